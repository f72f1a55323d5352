import type { LpBattery } from './lp-model.js';

/**
 * Batteries the LP may model as one, without changing its optimum. Two batteries merge only
 * when one is the other scaled: the same efficiencies, and the same energy bounds, start
 * energy and power limits as fractions of capacity. Then (1) the sum of any feasible pair of
 * trajectories is feasible for the merged battery (every constraint is linear, the bounds add
 * up), and (2) any trajectory of the merged battery split in proportion to capacity keeps each
 * part feasible (each constraint is the merged one times its share). So the merged LP has
 * exactly the site-level options of the separate ones. Efficiencies must be equal, not near:
 * with different ones (2) fails (losses differ by who does the work).
 */
export interface MergedGroup {
  readonly battery: LpBattery;
  /** Indices into the input list, each with its share of the group's capacity. */
  readonly members: readonly (readonly [index: number, share: number])[];
}

export function mergeProportional(batteries: readonly LpBattery[], capacitiesKwh: readonly number[]): MergedGroup[] {
  const groups = new Map<string, { members: [number, number][]; capKwh: number; sum: LpBattery }>();
  const out: MergedGroup[] = [];
  batteries.forEach((b, i) => {
    const cap = capacitiesKwh[i] ?? 0;
    if (!(cap > 0)) {
      // No capacity: nothing to scale by; it stays on its own.
      out.push({ battery: b, members: [[i, 1]] });
      return;
    }
    const key = [b.chargeEfficiency, b.dischargeEfficiency, b.eMinKwh / cap, b.eMaxKwh / cap, b.e0Kwh / cap, b.maxChargeKw / cap, b.maxDischargeKw / cap].join('|');
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, { members: [[i, cap]], capKwh: cap, sum: { ...b } });
      return;
    }
    g.members.push([i, cap]);
    g.capKwh += cap;
    g.sum = {
      ...g.sum,
      eMinKwh: g.sum.eMinKwh + b.eMinKwh,
      eMaxKwh: g.sum.eMaxKwh + b.eMaxKwh,
      e0Kwh: g.sum.e0Kwh + b.e0Kwh,
      maxChargeKw: g.sum.maxChargeKw + b.maxChargeKw,
      maxDischargeKw: g.sum.maxDischargeKw + b.maxDischargeKw,
    };
  });
  for (const g of groups.values()) out.push({ battery: g.sum, members: g.members.map(([i, cap]) => [i, cap / g.capKwh] as const) });
  return out;
}
