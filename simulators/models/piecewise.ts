/**
 * Profile and weather values hold until the next sample. Every zone in use today has an offset
 * that is a whole number of quarter-hours, so local quarter-hour and hour boundaries all fall
 * on UTC quarter-hours: splitting a step there makes a step that straddles a sample exact.
 */
export const QUARTER_HOUR_MS = 15 * 60 * 1000;

/** The first UTC quarter-hour boundary strictly after `atMs`. */
export function nextQuarterHourMs(atMs: number): number {
  return (Math.floor(atMs / QUARTER_HOUR_MS) + 1) * QUARTER_HOUR_MS;
}

/**
 * Mean of a piecewise-constant `valueAt` over [startMs, startMs + dtS), split at UTC
 * quarter-hours, or at the breaks `nextBreakMs` gives (the first break strictly after its argument).
 */
export function meanOverStep(
  startMs: number,
  dtS: number,
  valueAt: (atMs: number) => number,
  nextBreakMs: (atMs: number) => number = nextQuarterHourMs,
): number {
  if (dtS <= 0) return valueAt(startMs);
  const endMs = startMs + dtS * 1000;
  let sum = 0;
  let t = startMs;
  while (t < endMs) {
    const next = Math.min(endMs, nextBreakMs(t));
    sum += valueAt(t) * (next - t);
    t = next;
  }
  return sum / (endMs - startMs);
}
