import type { BatteryAsset } from '../domain/index.js';
import type { PlanBattery } from '../schedule/index.js';

/**
 * Pieces of a PlanInput that `vpp replay` (replay/planning.ts) and the live planner
 * (live-planner.ts) build the same way, so both plan by one rule.
 */

/**
 * Without a peak target a site asks for the least peak (CONTRACTS.md). A tariff with energy
 * prices but no demand charge would otherwise let arbitrage raise the peak, so the peak then
 * weighs like a large demand charge: energy is still shifted, but never at the peak's expense.
 */
export const PEAK_WEIGHT_PER_KW = 1000;

/** The demand charge to plan with: the tariff's, else PEAK_WEIGHT_PER_KW when the site sets no peak target. */
export function demandChargeFor(tariffChargePerKw: number | undefined, peakTargetKw: number | undefined): number | undefined {
  if (tariffChargePerKw !== undefined) return tariffChargePerKw;
  return peakTargetKw === undefined ? PEAK_WEIGHT_PER_KW : undefined;
}

/**
 * A slot's import cap: a DR cap and the site's peak target, the lower. A peak target is a cap the
 * site asks to keep (CONTRACTS.md: 'keep import at or below'): soft, like a DR cap, so that an
 * unreachable target still gives a plan.
 */
export function minOrNull(a: number | null, b: number | undefined): number | null {
  if (b === undefined) return a;
  return a === null ? b : Math.min(a, b);
}

/** A battery as the planner sees it: the asset's limits and efficiencies, from its SoC now. */
export function planBattery(a: BatteryAsset, socPct: number): PlanBattery {
  return {
    id: a.id,
    capacityKwh: a.capacityKwh,
    socPct,
    minSocPct: a.minSocPct,
    maxSocPct: a.maxSocPct,
    maxChargeKw: a.maxChargeKw,
    maxDischargeKw: a.maxDischargeKw,
    chargeEfficiency: a.chargeEfficiency,
    dischargeEfficiency: a.dischargeEfficiency,
  };
}
