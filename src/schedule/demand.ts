import { finite, invalidInput } from './validate.js';

const QUARTER_MS = 900_000;
const MINUTE_MS = 60_000;

/**
 * Import energy (kW·ms) of a grid-power series per bin of `binMs`, bins aligned so that
 * (t + alignMs) is a multiple of binMs. Sample i holds over [startMs + i·stepS, +stepS); only
 * import (> 0) counts, as a billing meter's import register. Returns the first bin's start too.
 */
function importPerBin(samples: readonly number[], startMs: number, stepS: number, binMs: number, alignMs: number): { firstMs: number; bins: number[] } {
  finite('demand startMs', startMs);
  if (!(finite('demand stepS', stepS) > 0)) throw invalidInput('demand stepS', 'must be > 0', stepS);
  const stepMs = stepS * 1000;
  const firstMs = Math.floor((startMs + alignMs) / binMs) * binMs - alignMs;
  const bins: number[] = [];
  samples.forEach((kw, i) => {
    const v = finite(`demand samples[${i}]`, kw);
    if (v <= 0) return;
    let a = startMs + i * stepMs;
    const end = a + stepMs;
    while (a < end) {
      const bin = Math.floor((a - firstMs) / binMs);
      const b = Math.min(end, firstMs + (bin + 1) * binMs);
      bins[bin] = (bins[bin] ?? 0) + v * (b - a);
      a = b;
    }
  });
  return { firstMs, bins: Array.from(bins, (x) => x ?? 0) };
}

/**
 * Billing demand with `demandWindow: block` (CONTRACTS.md): the largest mean import over a
 * clock-aligned quarter hour (:00, :15, :30, :45 in the offset `offsetMin`, minutes east of UTC).
 * `samples` are grid powers in the load convention, kW, one per step from `startMs`. A quarter
 * the series covers only in part still divides its energy by the full 15 minutes, as a meter does.
 * An empty series has no demand: 0.
 */
export function peakBlockKw(samples: readonly number[], startMs: number, stepS: number, offsetMin: number): number {
  const alignMs = finite('demand offsetMin', offsetMin) * MINUTE_MS;
  const { bins } = importPerBin(samples, startMs, stepS, QUARTER_MS, alignMs);
  let peak = 0;
  for (const e of bins) peak = Math.max(peak, e / QUARTER_MS);
  return peak;
}

/**
 * Billing demand with `demandWindow: sliding` (滑差): the largest mean import over any 15-minute
 * window that starts on a whole minute (a meter that moves its window each minute). Whole-minute
 * starts need no offset: every zone offset in use is a whole number of minutes.
 */
export function peakSlidingKw(samples: readonly number[], startMs: number, stepS: number): number {
  const { bins } = importPerBin(samples, startMs, stepS, MINUTE_MS, 0);
  let peak = 0;
  // Summed afresh per window (15 adds) rather than rolled, so no rounding drifts along the day.
  for (let i = 0; i < bins.length; i++) {
    let window = 0;
    for (let j = Math.max(0, i - 14); j <= i; j++) window += bins[j] ?? 0;
    peak = Math.max(peak, window / QUARTER_MS);
  }
  return peak;
}
