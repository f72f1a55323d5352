import { planSchedule, type Plan, type PlanBattery } from '../../schedule/index.js';
import type { Site } from '../../domain/index.js';
import { BatteryModel, type BuiltSite, type Scenario } from '../../../simulators/index.js';
import { meanOver, type StepSeries } from './forecast.js';
import { capOver, importPriceAt } from './tariff.js';

export const SLOT_S = 900;
const SLOT_MS = SLOT_S * 1000;
/** The planner looks a day ahead at most. */
const HORIZON_SLOTS = 96;

/** Start of the clock-aligned quarter hour (in the scenario's offset) holding atMs. */
export function slotStartMs(atMs: number, offsetMin: number): number {
  const shift = offsetMin * 60_000;
  return Math.floor((atMs + shift) / SLOT_MS) * SLOT_MS - shift;
}

export interface PlanRequest {
  readonly scenario: Scenario;
  readonly built: BuiltSite;
  readonly site: Site;
  readonly forecast: StepSeries;
  readonly nowMs: number;
  /** Batteries that answer now: a battery we cannot see is not planned with. */
  readonly liveBatteryIds: ReadonlySet<string>;
  /** The billing peak already set in this run (the demand charge is on the maximum). */
  readonly peakFloorKw: number;
}

/**
 * Re-plans from now (MPC): quarter-hour slots from the current one to the end of the run (a
 * day at most), from the batteries' measured SoC, with the forecast, prices and DR caps of
 * each slot. The current slot's base is the forecast for what is left of it.
 */
export async function replan(r: PlanRequest): Promise<Plan | undefined> {
  const s = r.scenario;
  const startMs = slotStartMs(r.nowMs, s.startOffsetMin);
  const n = Math.min(HORIZON_SLOTS, Math.ceil((s.endMs - startMs) / SLOT_MS));
  const batteries: PlanBattery[] = [];
  for (const a of r.site.assets) {
    const m = r.built.models.get(a.id);
    if (a.kind !== 'battery' || !(m instanceof BatteryModel) || !r.liveBatteryIds.has(a.id)) continue;
    batteries.push({
      id: a.id,
      capacityKwh: a.capacityKwh,
      socPct: m.socPct(),
      minSocPct: a.minSocPct,
      maxSocPct: a.maxSocPct,
      maxChargeKw: a.maxChargeKw,
      maxDischargeKw: a.maxDischargeKw,
      chargeEfficiency: a.chargeEfficiency,
      dischargeEfficiency: a.dischargeEfficiency,
    });
  }
  if (batteries.length === 0 || n <= 0) return undefined;
  const slots = Array.from({ length: n }, (_, k) => ({ from: Math.max(startMs + k * SLOT_MS, r.nowMs), to: startMs + (k + 1) * SLOT_MS }));
  const baseKw = slots.map(({ from, to }) => meanOver(r.forecast, from, to));
  const siteId = r.site.id;
  const tariff = s.tariff;
  return planSchedule({
    startMs,
    slotS: SLOT_S,
    baseKw,
    batteries,
    gridImportLimitKw: r.site.gridImportLimitKw,
    ...(r.site.gridExportLimitKw !== undefined ? { gridExportLimitKw: r.site.gridExportLimitKw } : {}),
    // A site's peak target is a cap it asks to keep (CONTRACTS: 'keep import at or below'):
    // soft, like a DR cap, so that an unreachable target still gives a plan.
    importCapKw: slots.map(({ from, to }) => minOrNull(capOver(s, siteId, 'IMPORT_CAPACITY_LIMIT', from, to), r.site.peakTargetKw)),
    exportCapKw: slots.map(({ from, to }) => capOver(s, siteId, 'EXPORT_CAPACITY_LIMIT', from, to)),
    ...(tariff === undefined
      ? {}
      : {
          importPricePerKwh: slots.map(({ from }) => importPriceAt(tariff, r.site.timezone, from)),
          ...(tariff.exportPricePerKwh !== undefined ? { exportPricePerKwh: tariff.exportPricePerKwh } : {}),
          ...(demandCharge(tariff.demandChargePerKw, r.site.peakTargetKw) !== undefined ? { demandChargePerKw: demandCharge(tariff.demandChargePerKw, r.site.peakTargetKw) } : {}),
        }),
    peakFloorKw: r.peakFloorKw,
  });
}

/**
 * Without a peak target a site asks for the least peak (CONTRACTS.md). A tariff with energy
 * prices but no demand charge would otherwise let arbitrage raise the peak, so the peak then
 * weighs like a large demand charge: energy is still shifted, but never at the peak's expense.
 */
const PEAK_WEIGHT_PER_KW = 1000;

function demandCharge(tariffChargePerKw: number | undefined, peakTargetKw: number | undefined): number | undefined {
  if (tariffChargePerKw !== undefined) return tariffChargePerKw;
  return peakTargetKw === undefined ? PEAK_WEIGHT_PER_KW : undefined;
}

function minOrNull(a: number | null, b: number | undefined): number | null {
  if (b === undefined) return a;
  return a === null ? b : Math.min(a, b);
}
