import { CompensatedSum } from './compensated-sum.js';
import { LaggedSignal } from './lag.js';
import { invalidOption } from './validate.js';

export interface SiteMeterOptions {
  /** The meter reports the grid power of this many seconds ago (lag.ts). Default 0. */
  readonly measurementLagS?: number;
}

/**
 * The site's grid meter: grid power is the sum of the assets' powers (load convention, > 0
 * import), and the import and export registers integrate it step by step, with compensated
 * sums so a year of small steps loses nothing.
 */
export class SiteMeter {
  private lastGridKw = 0;
  private readonly imported = new CompensatedSum();
  private readonly exported = new CompensatedSum();
  private readonly reading: LaggedSignal;

  constructor(opts: SiteMeterOptions = {}) {
    this.reading = new LaggedSignal(opts.measurementLagS ?? 0, 'meter.measurementLagS');
  }

  get measurementLagS(): number {
    return this.reading.lagS;
  }

  /** Books `gridKw` (the mean over a step) for `dtS` seconds. */
  record(gridKw: number, dtS: number): void {
    if (!Number.isFinite(gridKw)) throw invalidOption('meter gridKw', 'must be a finite number', gridKw);
    if (!Number.isFinite(dtS) || dtS < 0) throw invalidOption('meter dtS', 'must be a finite number >= 0', dtS);
    this.lastGridKw = gridKw;
    const kwh = (gridKw * dtS) / 3600;
    if (kwh > 0) this.imported.add(kwh);
    else this.exported.add(-kwh);
  }

  /** Notes the instantaneous grid power at atMs, for lagged readings. */
  sample(atMs: number, gridKw: number): void {
    this.reading.record(atMs, gridKw);
  }

  /** Grid power as the meter reports it at atMs: the sample of measurementLagS ago, kW. NaN before any sample. */
  readingKw(atMs: number): number {
    return this.reading.read(atMs);
  }

  /** Mean grid power over the last recorded step, kW. */
  lastStepGridKw(): number {
    return this.lastGridKw;
  }

  energyImportKwh(): number {
    return this.imported.value();
  }

  energyExportKwh(): number {
    return this.exported.value();
  }
}
