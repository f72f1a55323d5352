import { planSchedule, type Plan, type PlanBattery } from '../../schedule/index.js';
import type { Site } from '../../domain/index.js';
import { BatteryModel, type BuiltSite, type Scenario } from '../../../simulators/index.js';
import { meanOver, type StepSeries } from './forecast.js';
import { capOver, importPriceAt } from './tariff.js';
import { demandChargeFor, minOrNull, planBattery } from '../plan-terms.js';

export const SLOT_S = 900;
const SLOT_MS = SLOT_S * 1000;
/** The planner looks a day ahead at most. */
const HORIZON_SLOTS = 96;
/**
 * Under a sliding demand window the next hours are planned at the physics step, every sliding
 * window bound (a spike shorter than a quarter hour is invisible in quarter-hour means); the
 * rest of the day stays in quarter hours. Re-planned each quarter hour, the fine part always
 * reaches well past the next re-plan.
 */
const FINE_HORIZON_MS = 2 * 3_600_000;

/**
 * The fine plan last made per site (keyed by the replay's own BuiltSite, so runs never share
 * it). A new plan must know what the sliding windows that began before it already hold; the
 * loop hands the planner no metered history, so it is rebuilt from the forecast base and the
 * plan that was being followed, scaled to the import the meter booked since.
 */
const lastFine = new WeakMap<BuiltSite, { readonly plan: Plan; readonly importKwh: number }>();

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
 * each slot. The current slot's base is the forecast for what is left of it. Under a sliding
 * demand window with steps shorter than a quarter hour, the first hours are physics steps from
 * now (FINE_HORIZON_MS) and the plan returned holds only those, at the step.
 */
export async function replan(r: PlanRequest): Promise<Plan | undefined> {
  const s = r.scenario;
  const fine = s.tariff?.demandWindow === 'sliding' && s.stepS < SLOT_S;
  const quarterMs = slotStartMs(r.nowMs, s.startOffsetMin);
  const n = Math.min(HORIZON_SLOTS, Math.ceil((s.endMs - quarterMs) / SLOT_MS));
  const batteries: PlanBattery[] = [];
  for (const a of r.site.assets) {
    const m = r.built.models.get(a.id);
    if (a.kind !== 'battery' || !(m instanceof BatteryModel) || !r.liveBatteryIds.has(a.id)) continue;
    batteries.push(planBattery(a, m.socPct()));
  }
  if (batteries.length === 0 || n <= 0) return undefined;
  const slots = fine ? fineThenQuarters(r.nowMs, quarterMs, Math.min(quarterMs + n * SLOT_MS, s.endMs), s.stepS) : Array.from({ length: n }, (_, k) => ({ from: Math.max(quarterMs + k * SLOT_MS, r.nowMs), to: quarterMs + (k + 1) * SLOT_MS }));
  const startMs = fine ? r.nowMs : quarterMs;
  const baseKw = slots.map(({ from, to }) => meanOver(r.forecast, from, to));
  const siteId = r.site.id;
  const tariff = s.tariff;
  const plan = await planSchedule({
    startMs,
    slotS: SLOT_S,
    ...(fine ? { slotLengthsS: slots.map(({ from, to }) => (to - from) / 1000), demandWindow: 'sliding' as const } : {}),
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
          ...(demandChargeFor(tariff.demandChargePerKw, r.site.peakTargetKw) !== undefined ? { demandChargePerKw: demandChargeFor(tariff.demandChargePerKw, r.site.peakTargetKw) } : {}),
        }),
    peakFloorKw: r.peakFloorKw,
    ...(fine ? pastImportOf(r) : {}),
  });
  if (!fine) return plan;
  const out = finePart(plan, s.stepS);
  lastFine.set(r.built, { plan: out, importKwh: r.built.physics.meter.energyImportKwh() });
  return out;
}

/** The last quarter hour's import per step, estimated as lastFine says; nothing when unknown. */
function pastImportOf(r: PlanRequest): { pastImport: { stepS: number; importKw: number[] } } | Record<string, never> {
  const prev = lastFine.get(r.built);
  const stepMs = r.scenario.stepS * 1000;
  if (prev === undefined) return {};
  const steps = Math.min(Math.round((r.nowMs - prev.plan.startMs) / stepMs), Math.ceil(SLOT_MS / stepMs));
  const importKw: number[] = [];
  for (let j = steps; j >= 1; j--) {
    const from = r.nowMs - j * stepMs;
    const k = Math.round((from - prev.plan.startMs) / stepMs);
    const batteryKw = Object.values(prev.plan.batteryKw).reduce((a, kws) => a + (kws[k] ?? NaN), 0);
    importKw.push(Math.max(0, meanOver(r.forecast, from, from + stepMs) + batteryKw));
  }
  if (importKw.length === 0 || importKw.some((x) => !Number.isFinite(x))) return {};
  // Scale to the meter over the steps it covers since that plan (the forecast may be off).
  const sinceMs = r.nowMs - importKw.length * stepMs;
  const metered = sinceMs === prev.plan.startMs ? (r.built.physics.meter.energyImportKwh() - prev.importKwh) * 3600 / (importKw.length * r.scenario.stepS) : NaN;
  const estimated = importKw.reduce((a, x) => a + x, 0) / importKw.length;
  const scale = Number.isFinite(metered) && estimated > 0 ? metered / estimated : 1;
  return { pastImport: { stepS: r.scenario.stepS, importKw: importKw.map((x) => x * scale) } };
}

/**
 * Physics steps from now to FINE_HORIZON_MS past the current quarter, then quarter hours until
 * endMs (the run's end or the horizon's; every slot starts before it, so the forecast covers it).
 */
function fineThenQuarters(nowMs: number, quarterMs: number, endMs: number, stepS: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  const fineEndMs = Math.min(endMs, quarterMs + FINE_HORIZON_MS);
  let t = nowMs;
  for (; t < fineEndMs; t += stepS * 1000) out.push({ from: t, to: Math.min(t + stepS * 1000, fineEndMs) });
  for (t = fineEndMs; t < endMs; t += SLOT_MS) out.push({ from: t, to: t + SLOT_MS });
  return out;
}

/**
 * The plan's physics-step slots only, as a plan of equal slots the follower can read; the
 * quarter hours after them served to keep energy for later, and the peak is the whole plan's.
 */
function finePart(plan: Plan, stepS: number): Plan {
  const lengths = plan.slotLengthsS ?? [];
  let k = 0;
  while (k < lengths.length && lengths[k] === stepS) k++;
  const cut = (xs: Readonly<Record<string, readonly number[]>>): Record<string, number[]> =>
    Object.fromEntries(Object.entries(xs).map(([id, v]) => [id, v.slice(0, k)]));
  const { slotLengthsS: _dropped, ...rest } = plan;
  return { ...rest, slotS: stepS, batteryKw: cut(plan.batteryKw), socPct: cut(plan.socPct), gridKw: plan.gridKw.slice(0, k), violatedSlots: plan.violatedSlots.filter((t) => t < k) };
}
