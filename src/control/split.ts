/** One battery's share of a total: how much it may take, and how eagerly. */
export interface SplitPart {
  readonly id: string;
  /** Largest power this part may take, kW (>= 0). */
  readonly limitKw: number;
  /** Relative share (>= 0), e.g. energy above the floor when discharging. */
  readonly weight: number;
}

/**
 * Splits `totalKw` (>= 0) across parts in proportion to their weights, never giving a part
 * more than its limit; what a capped part cannot take goes to the others (water filling).
 * Weighting by the energy each battery has left toward its bound keeps SoCs converging: the
 * fuller battery discharges more, the emptier one charges more. Returns kW per id (>= 0);
 * the sum is min(totalKw, Σ limits).
 */
export function splitByWeight(totalKw: number, parts: readonly SplitPart[]): Map<string, number> {
  const out = new Map<string, number>(parts.map((p) => [p.id, 0]));
  let open = parts.filter((p) => p.limitKw > 0);
  let remainingKw = Math.max(0, totalKw);
  // Each pass caps at least one part or places everything: at most parts.length passes.
  while (remainingKw > 1e-9 && open.length > 0) {
    const weights = open.map((p) => Math.max(0, p.weight));
    const totalWeight = weights.reduce((s, w) => s + w, 0);
    // All weights zero (every battery exactly at its bound but with a limit): share equally.
    const share = (i: number): number =>
      totalWeight > 0 ? (remainingKw * (weights[i] ?? 0)) / totalWeight : remainingKw / open.length;
    const capped = open.filter((p, i) => (out.get(p.id) ?? 0) + share(i) >= p.limitKw);
    if (capped.length === 0) {
      open.forEach((p, i) => out.set(p.id, (out.get(p.id) ?? 0) + share(i)));
      remainingKw = 0;
      break;
    }
    for (const p of capped) {
      remainingKw -= p.limitKw - (out.get(p.id) ?? 0);
      out.set(p.id, p.limitKw);
    }
    open = open.filter((p) => !capped.includes(p));
  }
  return out;
}
