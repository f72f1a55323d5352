import { checkTimeZone, localTimeParts } from './local-time.js';
import { QUARTER_HOUR_MS, meanOverStep } from './piecewise.js';
import type { PowerModel } from './power-model.js';
import type { Tmy3Weather } from './tmy3.js';
import { finiteNumber, nonEmptyString, nonNegativeNumber, numberInRange, positiveNumber } from './validate.js';

export interface PvModelOptions {
  readonly id: string;
  readonly timezone: string;
  readonly startMs: number;
  /** Peak DC power; the inverter's AC rating is taken equal to it. */
  readonly kwp: number;
  readonly weather: Tmy3Weather;
  /** Soiling, wiring, inverter and mismatch losses together. Default 0.85. */
  readonly derate?: number;
  /** Power loss per °C of cell temperature above 25 °C. Default 0.004 (0.4 %/°C, crystalline Si). */
  readonly tempCoeffPerC?: number;
  /** Nominal operating cell temperature, °C. Default 45. */
  readonly noctC?: number;
  readonly lifetimeEnergyKwh?: number;
  readonly field?: string;
}

/** Rooftop PV driven by hourly TMY3 irradiance. Generation is negative (load convention). */
export class PvModel implements PowerModel {
  readonly id: string;
  readonly kind = 'pv' as const;
  readonly timezone: string;
  readonly kwp: number;
  private readonly weather: Tmy3Weather;
  private readonly derate: number;
  private readonly tempCoeffPerC: number;
  private readonly noctC: number;
  private atMs: number;
  /** Values are constant within a UTC quarter-hour (piecewise.ts): remember the last one, zone lookups are slow. */
  private cachedQuarter = NaN;
  private cachedKw = NaN;
  private generatedKwh: number;

  constructor(opts: PvModelOptions) {
    const f = opts.field ?? 'pv';
    this.id = nonEmptyString(`${f}.id`, opts.id);
    this.timezone = checkTimeZone(`${f}.timezone`, opts.timezone);
    this.atMs = finiteNumber(`${f}.startMs`, opts.startMs);
    this.kwp = positiveNumber(`${f}.kwp`, opts.kwp);
    this.weather = opts.weather;
    this.derate = numberInRange(`${f}.derate`, opts.derate ?? 0.85, 0, 1);
    this.tempCoeffPerC = numberInRange(`${f}.tempCoeffPerC`, opts.tempCoeffPerC ?? 0.004, 0, 0.1);
    this.noctC = numberInRange(`${f}.noctC`, opts.noctC ?? 45, 20, 80);
    this.generatedKwh = nonNegativeNumber(`${f}.lifetimeEnergyKwh`, opts.lifetimeEnergyKwh ?? 0);
  }

  nowMs(): number {
    return this.atMs;
  }

  powerKw(): number {
    return this.powerKwAt(this.atMs);
  }

  /** Lifetime AC energy produced, kWh (>= 0). */
  energyExportKwh(): number {
    return this.generatedKwh;
  }

  /**
   * The weather row is picked by the site's local month, day and hour: 10:45 falls in the hour
   * 10:00-11:00, which TMY3 labels hour_ending 11.
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
    return -Math.min(dcKw, this.kwp);
  }

  step(dtS: number): number {
    const meanKw = meanOverStep(this.atMs, dtS, (ms) => this.powerKwAt(ms));
    this.generatedKwh += (-meanKw * dtS) / 3600;
    this.atMs += dtS * 1000;
    return meanKw;
  }
}
