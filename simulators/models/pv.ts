import { Actuator, type ActuatorSegment } from './actuator.js';
import { CompensatedSum } from './compensated-sum.js';
import { checkTimeZone, localTimeParts } from './local-time.js';
import { QUARTER_HOUR_MS, nextQuarterHourMs } from './piecewise.js';
import type { PowerModel } from './power-model.js';
import type { Tmy3Weather } from './tmy3.js';
import { finiteNumber, invalidOption, nonEmptyString, nonNegativeNumber, numberInRange, positiveNumber } from './validate.js';

export interface PvModelOptions {
  readonly id: string;
  readonly timezone: string;
  readonly startMs: number;
  /** Peak DC power. */
  readonly kwp: number;
  /** The inverter's AC rating: output clips here and WMaxLimPct is a share of it. Default kwp. */
  readonly acKw?: number;
  readonly weather: Tmy3Weather;
  /** Soiling, wiring, inverter and mismatch losses together. Default 0.85. */
  readonly derate?: number;
  /** Power loss per °C of cell temperature above 25 °C. Default 0.004 (0.4 %/°C, crystalline Si). */
  readonly tempCoeffPerC?: number;
  /** Nominal operating cell temperature, °C. Default 45. */
  readonly noctC?: number;
  readonly lifetimeEnergyKwh?: number;
  /** Seconds from a limit command until the inverter follows it. Default 0. */
  readonly responseDelayS?: number;
  /** Largest change of the power limit, kW/s. Default 0 = no limit. */
  readonly rampKwPerS?: number;
  readonly field?: string;
}

const REVERT_TAG = 'revert';

/**
 * Rooftop PV driven by hourly TMY3 irradiance. Generation is negative (load convention).
 * Output = min(available, limit), where the limit (kW, = limitPct × acKw) passes through an
 * Actuator: the ramp applies to the limit, as inverters ramp WMaxLim, not to the sunshine.
 */
export class PvModel implements PowerModel {
  readonly id: string;
  readonly kind = 'pv' as const;
  readonly timezone: string;
  readonly kwp: number;
  readonly acKw: number;
  private readonly weather: Tmy3Weather;
  private readonly derate: number;
  private readonly tempCoeffPerC: number;
  private readonly noctC: number;
  private readonly limit: Actuator;
  private atMs: number;
  /** Values are constant within a UTC quarter-hour (piecewise.ts): remember the last one, zone lookups are slow. */
  private cachedQuarter = NaN;
  private cachedKw = NaN;
  private readonly generated: CompensatedSum;
  private revertAtMs: number | null = null;

  constructor(opts: PvModelOptions) {
    const f = opts.field ?? 'pv';
    this.id = nonEmptyString(`${f}.id`, opts.id);
    this.timezone = checkTimeZone(`${f}.timezone`, opts.timezone);
    this.atMs = finiteNumber(`${f}.startMs`, opts.startMs);
    this.kwp = positiveNumber(`${f}.kwp`, opts.kwp);
    this.acKw = positiveNumber(`${f}.acKw`, opts.acKw ?? this.kwp);
    this.weather = opts.weather;
    this.derate = numberInRange(`${f}.derate`, opts.derate ?? 0.85, 0, 1);
    this.tempCoeffPerC = numberInRange(`${f}.tempCoeffPerC`, opts.tempCoeffPerC ?? 0.004, 0, 0.1);
    this.noctC = numberInRange(`${f}.noctC`, opts.noctC ?? 45, 20, 80);
    this.generated = new CompensatedSum(nonNegativeNumber(`${f}.lifetimeEnergyKwh`, opts.lifetimeEnergyKwh ?? 0));
    const ramp = nonNegativeNumber(`${f}.rampKwPerS`, opts.rampKwPerS ?? 0);
    this.limit = new Actuator(this.atMs, this.acKw, { responseDelayS: opts.responseDelayS ?? 0, rampPerS: ramp }, f);
  }

  nowMs(): number {
    return this.atMs;
  }

  /** AC power now, kW (<= 0): the available power, curtailed by the limit. */
  powerKw(): number {
    const kw = Math.min(-this.powerKwAt(this.atMs), this.limit.output());
    return kw === 0 ? 0 : -kw;
  }

  /** Lifetime AC energy produced, kWh (>= 0). */
  energyExportKwh(): number {
    return this.generated.value();
  }

  /**
   * Curtails AC output to `pct` % of acKw (SunSpec WMaxLimPct). With `revertS` > 0 the limit
   * returns to 100 % when that much sim time passes without another command.
   */
  setLimitPct(pct: number, revertS: number | null = null): void {
    numberInRange(`${this.id}: limitPct`, pct, 0, 100);
    if (revertS !== null) nonNegativeNumber(`${this.id}: limit revertS`, revertS);
    this.limit.cancel(REVERT_TAG);
    this.limit.command((pct / 100) * this.acKw);
    this.revertAtMs = revertS !== null && revertS > 0 ? this.atMs + revertS * 1000 : null;
    if (this.revertAtMs !== null) this.limit.schedule(this.acKw, this.revertAtMs, REVERT_TAG);
  }

  /** The limit in force now, % of acKw (the target the inverter moves to). */
  limitPct(): number {
    return (this.limit.target() / this.acKw) * 100;
  }

  /** True when the last limit's revert timer ran out before a new command came. */
  reverted(): boolean {
    return this.revertAtMs !== null && this.atMs >= this.revertAtMs;
  }

  /**
   * Available AC power before curtailment, kW (<= 0). The weather row is picked by the site's
   * local month, day and hour: 10:45 falls in the hour 10:00-11:00, which TMY3 labels hour_ending 11.
   */
  powerKwAt(atMs: number): number {
    const utcQuarter = Math.floor(atMs / QUARTER_HOUR_MS);
    if (utcQuarter !== this.cachedQuarter) {
      this.cachedKw = this.computeKwAt(atMs);
      this.cachedQuarter = utcQuarter;
    }
    return this.cachedKw;
  }

  private computeKwAt(atMs: number): number {
    const t = localTimeParts(atMs, this.timezone);
    const w = this.weather.at(t.month, t.day, t.hour + 1);
    if (w.ghiWm2 <= 0) return 0;
    // NOCT model: the cell runs (NOCT - 20 °C) above air at 800 W/m², in proportion to irradiance.
    const cellC = w.tempC + ((this.noctC - 20) / 800) * w.ghiWm2;
    const tempFactor = Math.max(0, 1 - this.tempCoeffPerC * Math.max(0, cellC - 25));
    const dcKw = (w.ghiWm2 / 1000) * this.kwp * this.derate * tempFactor;
    return -Math.min(dcKw, this.acKw);
  }

  step(dtS: number): number {
    if (!Number.isFinite(dtS) || dtS < 0) throw invalidOption(`${this.id}: step dtS`, 'must be a finite number >= 0', dtS);
    if (dtS === 0) return this.powerKw();
    let energyKwh = 0;
    for (const seg of this.limit.advance(dtS)) energyKwh += this.segmentKwh(seg);
    this.generated.add(energyKwh);
    this.atMs += dtS * 1000;
    return -(energyKwh * 3600) / dtS;
  }

  /** Energy produced over one limit piece, split at quarter-hours where the available power changes. */
  private segmentKwh(seg: ActuatorSegment): number {
    const endMs = seg.startMs + seg.durationS * 1000;
    const slopePerMs = seg.durationS > 0 ? (seg.toValue - seg.fromValue) / (endMs - seg.startMs) : 0;
    let kwh = 0;
    for (let t = seg.startMs; t < endMs; ) {
      const next = Math.min(endMs, nextQuarterHourMs(t));
      const avail = -this.powerKwAt(t);
      const a = seg.fromValue + slopePerMs * (t - seg.startMs);
      const b = seg.fromValue + slopePerMs * (next - seg.startMs);
      kwh += (meanOfMin(avail, a, b) * (next - t)) / 3_600_000;
      t = next;
    }
    return kwh;
  }
}

/** Mean over [0, 1] of min(c, a + (b − a)·x): exact for a linear limit against a constant. */
function meanOfMin(c: number, a: number, b: number): number {
  if (a >= c && b >= c) return c;
  if (a <= c && b <= c) return (a + b) / 2;
  const x = (c - a) / (b - a);
  // Below c the line counts, above it c does.
  return a < c ? (x * (a + c)) / 2 + (1 - x) * c : x * c + ((1 - x) * (c + b)) / 2;
}
