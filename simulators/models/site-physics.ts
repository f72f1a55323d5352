import { SiteMeter, type SiteMeterOptions } from './meter.js';
import type { PowerModel } from './power-model.js';
import { finiteNumber, invalidOption } from './validate.js';

export type SitePhysicsOptions = SiteMeterOptions;

/**
 * One site's physics: its assets and grid meter on a shared sim time. The meter books the
 * mean of each step, so its energy registers are exactly the integral of the stepped grid power.
 */
export class SitePhysics {
  readonly meter: SiteMeter;
  readonly assets: readonly PowerModel[];
  private atMs: number;

  constructor(startMs: number, assets: readonly PowerModel[], options: SitePhysicsOptions = {}) {
    this.atMs = finiteNumber('site startMs', startMs);
    const ids = new Set<string>();
    for (const a of assets) {
      if (a.nowMs() !== startMs) throw invalidOption(`asset ${a.id} start time`, `must equal the site's ${startMs}`, a.nowMs());
      if (ids.has(a.id)) throw invalidOption('asset id', 'must be unique within the site', a.id);
      ids.add(a.id);
    }
    this.assets = assets;
    this.meter = new SiteMeter(options);
    this.meter.sample(this.atMs, this.gridKw());
  }

  nowMs(): number {
    return this.atMs;
  }

  /** Grid power flowing now, kW: the sum of the assets' powers (> 0 import). */
  gridKw(): number {
    return this.assets.reduce((s, a) => s + a.powerKw(), 0);
  }

  /** Grid power as the meter reports it now (measurementLagS late), kW. */
  meterReadingKw(): number {
    return this.meter.measurementLagS > 0 ? this.meter.readingKw(this.atMs) : this.gridKw();
  }

  step(dtS: number): void {
    if (!Number.isFinite(dtS) || dtS < 0) throw invalidOption('step dtS', 'must be a finite number >= 0', dtS);
    if (dtS === 0) return;
    const meanGridKw = this.assets.reduce((s, a) => s + a.step(dtS), 0);
    this.meter.record(meanGridKw, dtS);
    this.atMs += dtS * 1000;
    if (this.meter.measurementLagS > 0) this.meter.sample(this.atMs, this.gridKw());
  }
}
