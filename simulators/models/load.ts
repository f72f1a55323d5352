import { bdewAnnualTotalKwh, bdewDayType, type BdewProfile } from './bdew.js';
import { checkTimeZone, localTimeParts } from './local-time.js';
import { QUARTER_HOUR_MS, meanOverStep } from './piecewise.js';
import type { PowerModel } from './power-model.js';
import { finiteNumber, nonEmptyString, nonNegativeNumber, positiveNumber } from './validate.js';

export type LoadProfileSource =
  | { readonly bdew: BdewProfile; readonly annualKwh: number }
  | { readonly constantKw: number };

export interface LoadModelOptions {
  readonly id: string;
  readonly timezone: string;
  readonly startMs: number;
  readonly profile: LoadProfileSource;
  /** Prefix for error messages, e.g. `assets[0]`. */
  readonly field?: string;
}

/** A load that follows a BDEW standard profile scaled to an annual energy, or a constant. */
export class LoadModel implements PowerModel {
  readonly id: string;
  readonly kind = 'load' as const;
  readonly timezone: string;
  private readonly profile: LoadProfileSource;
  private readonly scaleByYear = new Map<number, number>();
  private atMs: number;
  /** Values are constant within a UTC quarter-hour (piecewise.ts): remember the last one, zone lookups are slow. */
  private cachedQuarter = NaN;
  private cachedKw = NaN;
  private importedKwh = 0;

  constructor(opts: LoadModelOptions) {
    const f = opts.field ?? 'load';
    this.id = nonEmptyString(`${f}.id`, opts.id);
    this.timezone = checkTimeZone(`${f}.timezone`, opts.timezone);
    this.atMs = finiteNumber(`${f}.startMs`, opts.startMs);
    if ('bdew' in opts.profile) positiveNumber(`${f}.profile.annualKwh`, opts.profile.annualKwh);
    else nonNegativeNumber(`${f}.profile.constantKw`, opts.profile.constantKw);
    this.profile = opts.profile;
  }

  nowMs(): number {
    return this.atMs;
  }

  powerKw(): number {
    return this.powerKwAt(this.atMs);
  }

  /** Energy drawn since the model started, kWh. */
  energyImportKwh(): number {
    return this.importedKwh;
  }

  /**
   * Mean power over the quarter-hour that contains `atMs` in the site's zone: the profile's
   * kWh × 4, scaled so that the calendar year sums to annualKwh.
   */
  powerKwAt(atMs: number): number {
    const p = this.profile;
    if (!('bdew' in p)) return p.constantKw;
    const utcQuarter = Math.floor(atMs / QUARTER_HOUR_MS);
    if (utcQuarter === this.cachedQuarter) return this.cachedKw;
    const t = localTimeParts(atMs, this.timezone);
    const quarter = t.hour * 4 + Math.floor(t.minute / 15);
    this.cachedKw = p.bdew.valueKwh(t.month, bdewDayType(t.weekday), quarter) * 4 * this.scale(t.year);
    this.cachedQuarter = utcQuarter;
    return this.cachedKw;
  }

  step(dtS: number): number {
    const meanKw = meanOverStep(this.atMs, dtS, (ms) => this.powerKwAt(ms));
    this.importedKwh += (meanKw * dtS) / 3600;
    this.atMs += dtS * 1000;
    return meanKw;
  }

  private scale(year: number): number {
    let s = this.scaleByYear.get(year);
    if (s === undefined) {
      const p = this.profile as { readonly bdew: BdewProfile; readonly annualKwh: number };
      s = p.annualKwh / bdewAnnualTotalKwh(p.bdew, year);
      this.scaleByYear.set(year, s);
    }
    return s;
  }
}
