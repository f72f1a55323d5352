import { invalidOption } from './validate.js';

/**
 * The site's grid meter: grid power is the sum of the assets' powers (load convention, > 0
 * import), and the import and export registers integrate it step by step.
 */
export class SiteMeter {
  private lastGridKw = 0;
  private importedKwh = 0;
  private exportedKwh = 0;

  /** Books `gridKw` (the mean over a step) for `dtS` seconds. */
  record(gridKw: number, dtS: number): void {
    if (!Number.isFinite(gridKw)) throw invalidOption('meter gridKw', 'must be a finite number', gridKw);
    if (!Number.isFinite(dtS) || dtS < 0) throw invalidOption('meter dtS', 'must be a finite number >= 0', dtS);
    this.lastGridKw = gridKw;
    const kwh = (gridKw * dtS) / 3600;
    if (kwh > 0) this.importedKwh += kwh;
    else this.exportedKwh -= kwh;
  }

  /** Mean grid power over the last recorded step, kW. */
  lastStepGridKw(): number {
    return this.lastGridKw;
  }

  energyImportKwh(): number {
    return this.importedKwh;
  }

  energyExportKwh(): number {
    return this.exportedKwh;
  }
}
