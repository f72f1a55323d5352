import { mulberry32 } from '../domain/index.js';
import { finite, invalidInput } from './validate.js';

/** A sample of a power series (load convention, kW); it holds until the next sample. */
export interface SeriesPoint {
  readonly atMs: number;
  readonly kw: number;
}

const DAY_MS = 86_400_000;

function checkSeries(field: string, series: readonly SeriesPoint[]): void {
  series.forEach((p, i) => {
    finite(`${field}[${i}].kw`, p.kw);
    finite(`${field}[${i}].atMs`, p.atMs);
    if (i > 0 && !(p.atMs > (series[i - 1]?.atMs ?? -Infinity))) throw invalidInput(`${field}[${i}].atMs`, 'must increase', p.atMs);
  });
}

/**
 * Where the series stops having a value: the last sample holds for one more spacing (series are
 * sampled at the physics step), a single sample for nothing.
 */
function coverageEndMs(series: readonly SeriesPoint[]): number {
  const last = series[series.length - 1];
  const before = series[series.length - 2];
  if (last === undefined) return -Infinity;
  return before === undefined ? last.atMs : 2 * last.atMs - before.atMs;
}

/**
 * Time-weighted mean of the series over [fromMs, toMs), or null when any part of that span has
 * no sample (before the first, after coverageEndMs): a gap is never averaged as 0.
 */
export function seriesMeanKw(series: readonly SeriesPoint[], fromMs: number, toMs: number): number | null {
  const first = series[0];
  if (first === undefined || first.atMs > fromMs || coverageEndMs(series) < toMs) return null;
  let lo = 0;
  let hi = series.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((series[mid]?.atMs ?? Infinity) <= fromMs) lo = mid;
    else hi = mid - 1;
  }
  let sum = 0;
  for (let j = lo; j < series.length; j++) {
    const p = series[j] as SeriesPoint;
    const a = Math.max(fromMs, p.atMs);
    const b = Math.min(toMs, series[j + 1]?.atMs ?? toMs);
    if (a >= toMs) break;
    if (b > a) sum += p.kw * (b - a);
  }
  return sum / (toMs - fromMs);
}

/**
 * The forecast that knows the future: each slot's mean of the actual series. It stops at the
 * first slot the series does not cover, so the result may be shorter than `slots` near the end
 * of a scenario; the planner plans the slots it is given.
 */
export function perfectForecast(series: readonly SeriesPoint[], startMs: number, slotS: number, slots: number): number[] {
  checkSeries('series', series);
  const slotMs = slotS * 1000;
  const out: number[] = [];
  for (let k = 0; k < slots; k++) {
    const mean = seriesMeanKw(series, startMs + k * slotMs, startMs + (k + 1) * slotMs);
    if (mean === null) break;
    out.push(mean);
  }
  return out;
}

/**
 * Persistence: each slot takes the mean of the same clock time one period earlier (yesterday's
 * same time, `periodMs` = 24 h). Where the history does not reach back that far (the first day
 * of a run), the slot takes the mean of the last `slotS` of history, the naive persistence.
 * Throws when the history ends before that span is covered.
 */
export function persistenceForecast(history: readonly SeriesPoint[], startMs: number, slotS: number, slots: number, periodMs = DAY_MS): number[] {
  checkSeries('history', history);
  const slotMs = slotS * 1000;
  const recent = seriesMeanKw(history, startMs - slotMs, startMs);
  const out: number[] = [];
  for (let k = 0; k < slots; k++) {
    const from = startMs + k * slotMs - periodMs;
    // A slot "yesterday" that reaches past now would use today's data: not a forecast.
    const ago = from + slotMs <= startMs ? seriesMeanKw(history, from, from + slotMs) : null;
    const value = ago ?? recent;
    if (value === null) throw invalidInput('history', `must cover the ${slotS} s before startMs (or the same slot a period earlier), its last sample is at`, history[history.length - 1]?.atMs);
    out.push(value);
  }
  return out;
}


/**
 * `forecast: noisy:<pct>`: each slot of a perfect forecast scaled by (1 + u·pct/100), u uniform
 * in [−1, 1) from a seeded generator; the same seed gives the same forecast.
 */
export function noisyForecast(perfect: readonly number[], pct: number, seed: number): number[] {
  if (!(finite('noisy pct', pct) >= 0)) throw invalidInput('noisy pct', 'must be >= 0', pct);
  const next = mulberry32(finite('noisy seed', seed));
  return perfect.map((kw, i) => finite(`perfect[${i}]`, kw) * (1 + ((2 * next() - 1) * pct) / 100));
}
