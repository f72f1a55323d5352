import { bdewAnnualTotalKwh, bdewDayType, type BdewProfile } from './bdew.js';
import { checkTimeZone, localTimeParts } from './local-time.js';
import { CompensatedSum } from './compensated-sum.js';
import { LoadVariation, type LoadNoiseOptions, type LoadStepEvent } from './load-variation.js';
import { QUARTER_HOUR_MS, meanOverStep, nextQuarterHourMs } from './piecewise.js';
import type { PowerModel } from './power-model.js';
import { finiteNumber, invalidOption, nonEmptyString, nonNegativeNumber, positiveNumber } from './validate.js';

export type LoadProfileSource =
  | { readonly bdew: BdewProfile; readonly annualKwh: number }
  | { readonly constantKw: number }
  /** A measured series (CONTRACTS.md: a value holds until the next sample); times ascending. */
  | { readonly points: readonly { readonly atMs: number; readonly powerKw: number }[] };

export interface LoadModelOptions {
  readonly id: string;
  readonly timezone: string;
  readonly startMs: number;
  readonly profile: LoadProfileSource;
  /** Seeded multiplicative noise on the profile (load-variation.ts). Default none. */
  readonly noise?: LoadNoiseOptions;
  /** Step changes added to the (noisy) profile. Default none. */
  readonly steps?: readonly LoadStepEvent[];
  /** Prefix for error messages, e.g. `assets[0]`. */
  readonly field?: string;
}

/**
 * A load that follows a BDEW standard profile scaled to an annual energy, or a constant, times
 * seeded noise plus step events; never below 0 (a load does not export).
 */
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
  private readonly imported = new CompensatedSum();
  private readonly variation: LoadVariation;

  constructor(opts: LoadModelOptions) {
    const f = opts.field ?? 'load';
    this.id = nonEmptyString(`${f}.id`, opts.id);
    this.timezone = checkTimeZone(`${f}.timezone`, opts.timezone);
    this.atMs = finiteNumber(`${f}.startMs`, opts.startMs);
    if ('bdew' in opts.profile) positiveNumber(`${f}.profile.annualKwh`, opts.profile.annualKwh);
    else if ('points' in opts.profile) checkPoints(`${f}.profile.points`, opts.profile.points);
    else nonNegativeNumber(`${f}.profile.constantKw`, opts.profile.constantKw);
    this.profile = opts.profile;
    this.variation = new LoadVariation(this.id, opts.noise, opts.steps, f);
  }

  nowMs(): number {
    return this.atMs;
  }

  powerKw(): number {
    return this.actualKwAt(this.atMs);
  }

  /** The profile's value with noise and step events at atMs, kW (>= 0). */
  actualKwAt(atMs: number): number {
    const base = this.powerKwAt(atMs);
    if (this.variation.isNone()) return base;
    return Math.max(0, base * this.variation.factorAt(atMs) + this.variation.deltaKwAt(atMs));
  }

  /** Energy drawn since the model started, kWh. */
  energyImportKwh(): number {
    return this.imported.value();
  }

  /**
   * Mean power over the quarter-hour that contains `atMs` in the site's zone: the profile's
   * kWh × 4, scaled so that the calendar year sums to annualKwh. Without noise and steps.
   */
  powerKwAt(atMs: number): number {
    const p = this.profile;
    if ('points' in p) return p.points[pointIndexAt(p.points, atMs)]?.powerKw ?? 0;
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
    const v = this.variation;
    const p = this.profile;
    // A measured series changes at its own sample times, the profiles at quarter hours.
    const profileBreak = 'points' in p ? (ms: number) => nextPointMs(p.points, ms) : nextQuarterHourMs;
    const meanKw = v.isNone()
      ? meanOverStep(this.atMs, dtS, (ms) => this.powerKwAt(ms), profileBreak)
      : meanOverStep(this.atMs, dtS, (ms) => this.actualKwAt(ms), (ms) => Math.min(profileBreak(ms), v.nextBreakMs(ms)));
    this.imported.add((meanKw * dtS) / 3600);
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

type Points = readonly { readonly atMs: number; readonly powerKw: number }[];

function checkPoints(field: string, points: Points): void {
  if (points.length === 0) throw invalidOption(field, 'must have at least one sample', points.length);
  points.forEach((pt, i) => {
    nonNegativeNumber(`${field}[${i}].powerKw`, pt.powerKw);
    if (i > 0 && !(pt.atMs > (points[i - 1]?.atMs ?? -Infinity))) throw invalidOption(`${field}[${i}].atMs`, 'must be after the previous sample', pt.atMs);
  });
}

/** Index of the sample in force at `atMs` (the last at or before it; the first before the series starts). */
function pointIndexAt(points: Points, atMs: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((points[mid]?.atMs ?? Infinity) <= atMs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function nextPointMs(points: Points, atMs: number): number {
  const next = points[pointIndexAt(points, atMs) + 1];
  return next !== undefined && next.atMs > atMs ? next.atMs : Infinity;
}
