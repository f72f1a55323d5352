import { finiteNumber, invalidOption, nonNegativeNumber } from './validate.js';

/**
 * A measurement that reports what was true `lagS` ago, as meters and inverter telemetry do
 * (averaging windows, polling chains). A transport delay, not a first-order filter: the value
 * read at t is the sample recorded last at or before t − lagS, so a step shows up whole, late.
 * Samples older than needed are dropped, so memory stays bounded by lagS / step.
 */
export class LaggedSignal {
  readonly lagS: number;
  private readonly times: number[] = [];
  private readonly values: number[] = [];

  constructor(lagS: number, field = 'measurementLagS') {
    this.lagS = nonNegativeNumber(field, lagS);
  }

  /** Records the value that holds from `atMs` on. Times must not go backwards. */
  record(atMs: number, value: number): void {
    finiteNumber('lagged sample atMs', atMs);
    finiteNumber('lagged sample value', value);
    const last = this.times[this.times.length - 1];
    if (last !== undefined && atMs < last) throw invalidOption('lagged sample atMs', `must be >= the previous sample's ${last}`, atMs);
    if (last === atMs) this.values[this.values.length - 1] = value;
    else {
      this.times.push(atMs);
      this.values.push(value);
    }
    // Keep one sample at or before atMs − lag: the one a read at atMs returns.
    const cutoffMs = atMs - this.lagS * 1000;
    let drop = 0;
    while (drop + 1 < this.times.length && (this.times[drop + 1] ?? Infinity) <= cutoffMs) drop++;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.values.splice(0, drop);
    }
  }

  /** The value reported at `atMs`; before lagS has passed since the first sample, that first sample. NaN when nothing was recorded. */
  read(atMs: number): number {
    const cutoffMs = atMs - this.lagS * 1000;
    let i = this.times.length - 1;
    while (i > 0 && (this.times[i] ?? Infinity) > cutoffMs) i--;
    return this.values[i] ?? NaN;
  }
}
