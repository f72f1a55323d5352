import type { LpWindow } from './lp-model.js';

const MINUTE_MS = 60_000;

/** Import metered just before a plan: step means, kW, the last step ending at the plan's start. */
export interface PastImport {
  readonly stepS: number;
  readonly importKw: readonly number[];
}

/**
 * Sliding (滑差) demand windows over slots of differing length: one per window start on a
 * whole minute (CONTRACTS.md: 15 min moved each minute) wherever the window overlaps a slot
 * shorter than the window. Where every slot a window covers is at least a window long, the
 * per-slot peak rows already bound it (a mean over constant slots is at most their largest
 * mean). A window reaching past the plan's end counts only the part inside it. Windows that
 * start before the plan carry the import metered before it (`past`: step means, the last one
 * ending at startMs) as a constant; without it they are left out, implied by the one starting
 * at the plan's start (import ≥ 0).
 */
export function slidingWindows(startMs: number, slotLengthsS: readonly number[], windowS: number, past?: PastImport): LpWindow[] {
  const windowMs = windowS * 1000;
  const startsMs: number[] = [];
  let at = startMs;
  let fineEndMs = startMs;
  for (const s of slotLengthsS) {
    at += s * 1000;
    if (s < windowS) fineEndMs = at;
  }
  const planEndMs = at;
  if (fineEndMs === startMs) return [];
  const pastStepMs = (past?.stepS ?? 0) * 1000;
  const pastFromMs = startMs - (past?.importKw.length ?? 0) * pastStepMs;
  const firstMs = past === undefined ? startMs : Math.max(pastFromMs, startMs - windowMs + 1);
  for (let t = Math.ceil(firstMs / MINUTE_MS) * MINUTE_MS; t < fineEndMs; t += MINUTE_MS) startsMs.push(t);
  const out: LpWindow[] = [];
  for (const ws of startsMs) {
    let constKw = 0;
    past?.importKw.forEach((kw, j) => {
      const a = pastFromMs + j * pastStepMs;
      const overlapMs = Math.min(a + pastStepMs, ws + windowMs, startMs) - Math.max(a, ws);
      if (overlapMs > 0) constKw += (Math.max(0, kw) * overlapMs) / windowMs;
    });
    const we = Math.min(ws + windowMs, planEndMs);
    const terms: [number, number][] = [];
    let a = startMs;
    slotLengthsS.forEach((s, k) => {
      const b = a + s * 1000;
      const overlapMs = Math.min(b, we) - Math.max(a, ws);
      if (overlapMs > 0) terms.push([k, overlapMs / windowMs]);
      a = b;
    });
    out.push({ terms, constKw });
  }
  return out;
}

/** The largest window mean of max(grid, 0) over the given windows, kW. */
export function windowPeakKw(gridKw: readonly number[], windows: readonly LpWindow[]): number {
  let peak = 0;
  for (const w of windows) {
    let mean = w.constKw;
    for (const [k, weight] of w.terms) mean += Math.max(0, gridKw[k] ?? NaN) * weight;
    peak = Math.max(peak, mean);
  }
  return peak;
}
