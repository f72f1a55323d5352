import { lpText, solveLp } from './highs.js';
import { buildLpData, cols, type LpBattery, type LpModel } from './lp-model.js';
import { mergeProportional, type MergedGroup } from './merge.js';
import type { Plan, PlanInput } from './types.js';
import { checkPlanInput } from './validate.js';
import { slidingWindows, windowPeakKw } from './windows.js';

const BILLING_WINDOW_S = 900;

/** A slot counts as violating a limit when the plan exceeds it by more than this, kW. */
const VIOLATION_TOLERANCE_KW = 1e-6;

/** How the plan's objective is built; see normaliseObjective. */
export type PlanMode = 'peak' | 'cost';

interface Normalised {
  readonly model: LpModel;
  readonly mode: PlanMode;
  /** The LP's batteries: input batteries merged where exact (merge.ts). */
  readonly groups: readonly MergedGroup[];
}

function slotHours(input: PlanInput): number[] {
  return input.baseKw.map((_, t) => (input.slotLengthsS?.[t] ?? input.slotS) / 3600);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function lpBatteries(input: PlanInput): LpBattery[] {
  return input.batteries.map((b) => {
    const eMinKwh = (b.minSocPct / 100) * b.capacityKwh;
    const eMaxKwh = (b.maxSocPct / 100) * b.capacityKwh;
    return {
      eMinKwh,
      eMaxKwh,
      // A reading just outside the band (BMS rounding, a stale floor) would make the LP
      // infeasible in slot 0; the real battery cannot leave the band anyway, so plan from its edge.
      e0Kwh: clamp((b.socPct / 100) * b.capacityKwh, eMinKwh, eMaxKwh),
      maxChargeKw: b.maxChargeKw,
      maxDischargeKw: b.maxDischargeKw,
      chargeEfficiency: b.chargeEfficiency,
      dischargeEfficiency: b.dischargeEfficiency,
    };
  });
}

function caps(n: number, limitKw: number | undefined, perSlot: readonly (number | null)[] | undefined): number[] {
  const base = limitKw ?? Infinity;
  return Array.from({ length: n }, (_, t) => Math.min(base, perSlot?.[t] ?? Infinity));
}

/**
 * 'peak' (no price and no demand charge given): minimise the plan peak. 'cost': energy cost,
 * export revenue, carbon and demand charge in currency. Both add tie-breakers scaled far below
 * anything they could trade against (a 1 kW peak or a price spread): a cycling cost, so that
 * charging and discharging at once never pays even at η = 1, and a smaller reward for stored
 * energy, so that among equal plans a needed charge comes early and a discharge late (less
 * exposed to forecast error). In 'cost' mode without a demand charge a tiny peak weight breaks
 * ties towards the lower peak.
 */
function normalise(input: PlanInput): Normalised {
  const n = input.baseKw.length;
  const slotsH = slotHours(input);
  const slotH = Math.max(...slotsH);
  const carbonPrice = input.carbonPricePerKg ?? 0;
  const importPrice = (t: number): number =>
    (input.importPricePerKwh?.[t] ?? 0) + carbonPrice * (input.carbonKgPerKwh?.[t] ?? 0);
  const hasEnergyCost =
    input.importPricePerKwh !== undefined ||
    input.exportPricePerKwh !== undefined ||
    (input.carbonKgPerKwh !== undefined && carbonPrice > 0);
  const mode: PlanMode = hasEnergyCost || input.demandChargePerKw !== undefined ? 'cost' : 'peak';
  const importCost = Array.from({ length: n }, (_, t) => (mode === 'peak' ? 0 : importPrice(t) * (slotsH[t] ?? NaN)));
  // A meter cannot import and export at once. Where export would pay more than import, the LP
  // could earn by doing both (unbounded); it is convex only if export earns at most the import
  // price, so it is capped there per slot. The plan is unchanged wherever prices are ordered.
  const exportCost = Array.from({ length: n }, (_, t) =>
    mode === 'peak' ? 0 : -Math.min(input.exportPricePerKwh ?? 0, importPrice(t)) * (slotsH[t] ?? NaN),
  );
  let energyScale = 0;
  for (let t = 0; t < n; t++) energyScale = Math.max(energyScale, Math.abs(importPrice(t)));
  energyScale = Math.max(energyScale, Math.abs(input.exportPricePerKwh ?? 0));
  // Tie-breakers are per kWh: scale them to the energy price, or the peak price when energy is free.
  const scale = mode === 'peak' ? 1 : energyScale > 0 ? energyScale : input.demandChargePerKw || 1;
  const peakCost = mode === 'peak' ? 1 : input.demandChargePerKw ?? 1e-4 * scale;
  // 1e-4 of the energy price per kWh cycled: enough for the simplex to see (its dual tolerance is
  // 1e-7), far too small to trade against a kW of peak (at most 2·slots·cycleCost < 1 % of one).
  const cycleCost = 1e-4 * scale;
  const sliding = input.demandWindow === 'sliding';
  const batteries = lpBatteries(input);
  const groups = mergeProportional(batteries, input.batteries.map((b) => b.capacityKwh));
  return {
    mode,
    groups,
    model: {
      slotH: slotsH,
      baseKw: input.baseKw,
      batteries: groups.map((g) => g.battery),
      importCapKw: caps(n, input.gridImportLimitKw, input.importCapKw),
      exportCapKw: caps(n, input.gridExportLimitKw, input.exportCapKw),
      importCost,
      exportCost,
      peakCost,
      peakFloorKw: Math.max(0, input.peakFloorKw ?? 0),
      cycleCost,
      // Half the cycling cost over the horizon at most: charging itself never pays (that doubled
      // HiGHS's iterations at 200 batteries), it only decides *when* a needed charge happens.
      holdReward: cycleCost / (2 * slotsH.reduce((a, h) => a + h, 0)),
      // Exceeding a cap by 1 kW for a slot can gain at most a kW of peak and that slot's energy
      // (losses included); 1000 times that keeps caps first. Far larger (1e4 × the demand charge
      // was tried) widens HiGHS's cost range enough to slow a one-battery plan ~5×.
      penaltyPerKw: 1000 * Math.max(peakCost + energyScale * slotH, scale * slotH),
      ...(sliding
        ? {
            peakRow: slotsH.map((h) => h * 3600 >= BILLING_WINDOW_S),
            windows: slidingWindows(input.startMs, slotsH.map((h) => h * 3600), BILLING_WINDOW_S, input.pastImport),
          }
        : {}),
    },
  };
}

/** What the plan costs by the input's own terms (tie-breakers and penalties left out). */
function planObjective(input: PlanInput, mode: PlanMode, gridKw: readonly number[], peakKw: number): number {
  if (mode === 'peak') return peakKw;
  const slotsH = slotHours(input);
  let sum = (input.demandChargePerKw ?? 0) * peakKw;
  gridKw.forEach((g, t) => {
    const imp = Math.max(0, g);
    const exp = Math.max(0, -g);
    const carbon = (input.carbonPricePerKg ?? 0) * (input.carbonKgPerKwh?.[t] ?? 0);
    const slotH = slotsH[t] ?? NaN;
    sum += ((input.importPricePerKwh?.[t] ?? 0) + carbon) * imp * slotH - (input.exportPricePerKwh ?? 0) * exp * slotH;
  });
  return sum;
}

/** The LP planSchedule would solve for `input`, as CPLEX-LP text (for inspection and debugging). */
export async function planLpText(input: PlanInput): Promise<string> {
  checkPlanInput(input);
  return lpText(buildLpData(normalise(input).model, true));
}

/**
 * Plans battery power for every slot of the horizon with an LP (HiGHS): least cost, or least
 * peak when no price is given, under the CONTRACTS.md battery physics. Limits and DR caps are
 * soft (a large penalty), so a plan always comes back: status 'relaxed' names the slots that
 * could not keep them. `objective` is the plan's cost by the input's terms (the peak in 'peak'
 * mode), tie-breakers and penalties left out; `solveMs` is the time inside HiGHS. No end-of-
 * horizon SoC target: in 'cost' mode energy left at the end has no value, so the re-planning
 * caller's rolling horizon is what keeps energy for tomorrow. Throws VppError
 * SCHEDULE_INVALID_INPUT on unusable input.
 */
export async function planSchedule(input: PlanInput): Promise<Plan> {
  checkPlanInput(input);
  const { model, mode, groups } = normalise(input);
  const data = buildLpData(model);
  const t0 = performance.now();
  const solution = await solveLp(data);
  const solveMs = performance.now() - t0;
  const x = (i: number): number => solution.colValue[i] ?? NaN;
  const n = input.baseKw.length;
  const gridKw = [...input.baseKw];
  // Keys in the input's battery order, whatever order the merged groups come in.
  const batteryKw: Record<string, number[]> = Object.fromEntries(input.batteries.map((b) => [b.id, []]));
  const socPct: Record<string, number[]> = Object.fromEntries(input.batteries.map((b) => [b.id, []]));
  const lps = lpBatteries(input);
  groups.forEach((g, i) => {
    for (const [member, share] of g.members) {
      const b = input.batteries[member];
      const lp = lps[member];
      if (b === undefined || lp === undefined) continue;
      const kw: number[] = [];
      const soc: number[] = [];
      for (let t = 0; t < n; t++) {
        // A merged group's trajectory is split by capacity share: feasible for each (merge.ts).
        const p = share * (x(cols.charge(n, i, t)) - x(cols.discharge(n, i, t)));
        kw.push(p);
        gridKw[t] = (gridKw[t] ?? 0) + p;
        // Solver tolerance can leave e a hair outside its bounds; the plan never reports that.
        const e = clamp(share * x(cols.energy(n, i, t)), lp.eMinKwh, lp.eMaxKwh);
        soc.push(b.capacityKwh > 0 ? (e / b.capacityKwh) * 100 : b.socPct);
      }
      batteryKw[b.id] = kw;
      socPct[b.id] = soc;
    }
  });
  const violatedSlots: number[] = [];
  gridKw.forEach((g, t) => {
    if (g > (model.importCapKw[t] ?? Infinity) + VIOLATION_TOLERANCE_KW || -g > (model.exportCapKw[t] ?? Infinity) + VIOLATION_TOLERANCE_KW) {
      violatedSlots.push(t);
    }
  });
  let peakKw = Math.max(model.peakFloorKw, windowPeakKw(gridKw, model.windows ?? []));
  gridKw.forEach((g, t) => {
    if (model.peakRow?.[t] ?? true) peakKw = Math.max(peakKw, g);
  });
  return {
    startMs: input.startMs,
    slotS: input.slotLengthsS?.[0] ?? input.slotS,
    ...(input.slotLengthsS !== undefined ? { slotLengthsS: input.slotLengthsS } : {}),
    batteryKw,
    socPct,
    gridKw,
    peakKw,
    status: violatedSlots.length > 0 ? 'relaxed' : 'optimal',
    violatedSlots,
    objective: planObjective(input, mode, gridKw, peakKw),
    solveMs,
  };
}
