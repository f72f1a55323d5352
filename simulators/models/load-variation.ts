import { deriveSeed, hashUnit } from './random.js';
import { finiteNumber, invalidOption, nonNegativeNumber, numberInRange, positiveNumber } from './validate.js';

/** Multiplicative noise: factor 1 + pct/100 × u, u uniform in [−1, 1), held per interval. */
export interface LoadNoiseOptions {
  /** Half-width of the noise, % of the profile value (0..100). */
  readonly pct: number;
  /** The scenario seed; the stream is derived from it and the asset id. */
  readonly seed: number;
  /** How long one noise value holds, s. Default 60. */
  readonly intervalS?: number;
}

/** A step change of the load: + deltaKw from `at` on, for durationS (absent = for good). */
export interface LoadStepEvent {
  readonly at: number;
  readonly deltaKw: number;
  readonly durationS?: number;
}

/**
 * Noise and step events on top of a profile. Noise values are a hash of (stream seed, interval
 * index since the epoch), not a sequential draw: the same instant reads the same factor however
 * the time up to it was stepped, so output does not depend on the step size.
 */
export class LoadVariation {
  private readonly noisePct: number;
  private readonly noiseSeed: number;
  private readonly intervalMs: number;
  private readonly steps: ReadonlyArray<{ readonly fromMs: number; readonly toMs: number; readonly deltaKw: number }>;
  /** Start and end times of the step events, sorted: where the value changes. */
  private readonly edges: readonly number[];

  constructor(id: string, noise: LoadNoiseOptions | undefined, steps: readonly LoadStepEvent[] | undefined, field: string) {
    this.noisePct = noise === undefined ? 0 : numberInRange(`${field}.noise.pct`, noise.pct, 0, 100);
    this.noiseSeed = noise === undefined ? 0 : deriveSeed(finiteNumber(`${field}.noise.seed`, noise.seed), id);
    this.intervalMs = noise === undefined ? Infinity : positiveNumber(`${field}.noise.intervalS`, noise.intervalS ?? 60) * 1000;
    if (steps !== undefined && !Array.isArray(steps)) throw invalidOption(`${field}.steps`, 'must be an array', steps);
    this.steps = (steps ?? []).map((s, i) => {
      const fromMs = finiteNumber(`${field}.steps[${i}].at`, s.at);
      const deltaKw = finiteNumber(`${field}.steps[${i}].deltaKw`, s.deltaKw);
      const toMs = s.durationS === undefined ? Infinity : fromMs + nonNegativeNumber(`${field}.steps[${i}].durationS`, s.durationS) * 1000;
      return { fromMs, toMs, deltaKw };
    });
    this.edges = this.steps.flatMap((s) => [s.fromMs, s.toMs]).filter(Number.isFinite).sort((a, b) => a - b);
  }

  /** True when neither noise nor steps are configured (the profile passes unchanged). */
  isNone(): boolean {
    return this.noisePct === 0 && this.steps.length === 0;
  }

  /** The noise factor in force at atMs. */
  factorAt(atMs: number): number {
    if (this.noisePct === 0) return 1;
    const u = hashUnit(this.noiseSeed, Math.floor(atMs / this.intervalMs)) * 2 - 1;
    return 1 + (this.noisePct / 100) * u;
  }

  /** Sum of the step events active at atMs, kW. */
  deltaKwAt(atMs: number): number {
    let d = 0;
    for (const s of this.steps) if (atMs >= s.fromMs && atMs < s.toMs) d += s.deltaKw;
    return d;
  }

  /** The first time strictly after atMs where noise or a step event may change the value. */
  nextBreakMs(atMs: number): number {
    let next = Number.isFinite(this.intervalMs) ? (Math.floor(atMs / this.intervalMs) + 1) * this.intervalMs : Infinity;
    for (const e of this.edges) {
      if (e > atMs) {
        next = Math.min(next, e);
        break;
      }
    }
    return next;
  }
}
