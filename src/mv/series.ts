import type { Quality } from '../domain/index.js';
import { finite, invalidInput } from './validate.js';

/**
 * One interval of a metered series: the mean import kW over [atMs, atMs + intervalS), labelled
 * by its start, as `TimeSeriesStore.queryMetric` returns samples. A point whose value is not
 * finite or whose quality is not `good` is missing data, never 0.
 */
export interface IntervalPoint {
  readonly atMs: number;
  readonly value: number;
  readonly quality?: Quality;
}

/** Good interval values by start instant. */
export type IntervalLookup = ReadonlyMap<number, number>;

/**
 * Indexes `points` by start. Every point must lie on the grid `gridOriginMs + k × intervalS`
 * (a 15-min meter is clock-aligned, and so is the event start) and appear once.
 */
export function indexIntervals(field: string, points: readonly IntervalPoint[], gridOriginMs: number, intervalS: number): IntervalLookup {
  if (!Array.isArray(points)) throw invalidInput(field, 'must be an array of {atMs, value}', points);
  const intervalMs = intervalS * 1000;
  const out = new Map<number, number>();
  const seen = new Set<number>();
  points.forEach((p, i) => {
    if (typeof p !== 'object' || p === null) throw invalidInput(`${field}[${i}]`, 'must be {atMs, value}', p);
    const atMs = finite(`${field}[${i}].atMs`, p.atMs);
    if ((((atMs - gridOriginMs) % intervalMs) + intervalMs) % intervalMs !== 0) {
      throw invalidInput(`${field}[${i}].atMs`, `must lie on the ${intervalS} s grid of the event start`, atMs);
    }
    if (seen.has(atMs)) throw invalidInput(`${field}[${i}].atMs`, 'must not repeat an earlier point', atMs);
    seen.add(atMs);
    const good = (p.quality === undefined || p.quality === 'good') && typeof p.value === 'number' && Number.isFinite(p.value);
    if (good) out.set(atMs, p.value);
  });
  return out;
}

/**
 * The plain mean of the raw samples (e.g. 1-min meter readings) whose instant falls in each
 * interval [startMs + k × intervalS, +intervalS); an interval with no good sample is `null`.
 * Samples recorded at a fixed rate make this the interval's mean kW.
 */
export function intervalMeansKw(samples: readonly IntervalPoint[], startMs: number, intervalS: number, intervals: number): (number | null)[] {
  const intervalMs = intervalS * 1000;
  const sum = new Array<number>(intervals).fill(0);
  const count = new Array<number>(intervals).fill(0);
  for (const s of samples) {
    const good = (s.quality === undefined || s.quality === 'good') && Number.isFinite(s.value) && Number.isFinite(s.atMs);
    const k = Math.floor((s.atMs - startMs) / intervalMs);
    if (!good || k < 0 || k >= intervals) continue;
    sum[k] = (sum[k] ?? 0) + s.value;
    count[k] = (count[k] ?? 0) + 1;
  }
  return sum.map((v, k) => ((count[k] ?? 0) > 0 ? v / (count[k] ?? 1) : null));
}
