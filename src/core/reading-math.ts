import { worstQuality, type Reading } from '../domain/index.js';

/** One term of a linear combination; `reading` undefined = the value never arrived. */
export interface Term {
  readonly coefficient: number;
  readonly reading: Reading | undefined;
}

/**
 * Σ coefficient × value, with the worst quality of the inputs. A missing or bad input makes
 * the result bad with value null: a partial sum presented as good would let the controller
 * dispatch on a number that is not the site. A stale input keeps the value (display only)
 * and makes the result stale. `atMs` is the oldest input's, so the result never looks fresher
 * than what it is made of; `fallbackAtMs` is used when no input has a time.
 */
export function linearReading(terms: readonly Term[], fallbackAtMs: number): Reading {
  const present = terms.flatMap((t) => (t.reading === undefined ? [] : [t.reading]));
  const atMs = present.length > 0 ? Math.min(...present.map((r) => r.atMs)) : fallbackAtMs;
  if (present.length < terms.length) return { value: null, quality: 'bad', atMs };
  const quality = worstQuality(present.map((r) => r.quality));
  if (quality === 'bad') return { value: null, quality, atMs };
  let value = 0;
  for (const t of terms) {
    // Not bad implies a finite value (Reading invariant, restored by normaliseReading).
    if (t.reading?.value === null || t.reading === undefined) return { value: null, quality: 'bad', atMs };
    value += t.coefficient * t.reading.value;
  }
  return { value, quality, atMs };
}

export function sumReadings(readings: readonly (Reading | undefined)[], fallbackAtMs: number): Reading {
  return linearReading(
    readings.map((reading) => ({ coefficient: 1, reading })),
    fallbackAtMs,
  );
}

/**
 * Σ weight × value / Σ weight (e.g. capacity-weighted SoC), same quality rules as
 * linearReading. Weights must be > 0; with no weight at all the result is bad.
 */
export function weightedMean(
  terms: readonly { readonly weight: number; readonly reading: Reading | undefined }[],
  fallbackAtMs: number,
): Reading {
  const totalWeight = terms.reduce((s, t) => s + t.weight, 0);
  const sum = linearReading(
    terms.map((t) => ({ coefficient: t.weight, reading: t.reading })),
    fallbackAtMs,
  );
  if (sum.value === null || !(totalWeight > 0)) return { value: null, quality: 'bad', atMs: sum.atMs };
  return { ...sum, value: sum.value / totalWeight };
}
