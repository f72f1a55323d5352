import { batteryHeadroom, type BatteryHeadroom } from '../core/index.js';
import { usable, VppError, type BatteryAsset, type Setpoint } from '../domain/index.js';
import type { Plan } from '../schedule/index.js';
import { createPeakShaving, type PeakShavingState } from './peak-shaving.js';
import { importCeiling, reasonOf } from './plan-following-reason.js';
import { splitByWeight } from './split.js';
import type { Controller, ProcessImage } from './types.js';

export interface PlanFollowingState {
  /** The setpoint last issued per battery, kW. */
  readonly lastSetpointKw: Readonly<Record<string, number>>;
  /** The billing window being tracked: its end, and the meter's import register when counting began. */
  readonly window?: { readonly endMs: number; readonly fromMs: number; readonly importKwhAtFrom: number };
}

export const initialPlanFollowingState: PlanFollowingState = Object.freeze({ lastSetpointKw: Object.freeze({}) });

export interface PlanFollowingOptions {
  /** A new setpoint closer than this to the last one keeps the last, kW. Default 0.5. */
  readonly deadbandKw?: number;
  /**
   * 'block' (default): demand is billed on clock-aligned windows = the plan's slots, so import
   * may exceed the plan's peak for a moment as long as the window's mean stays at it (needs the
   * meter's energyImportKwh). 'sliding': every moment counts, the target is the peak itself.
   */
  readonly demandWindow?: 'block' | 'sliding';
  /**
   * In a slot the plan holds at its peak while discharging: 'measured' (default) sets import
   * to the target from the reading, right when a cycle is short; 'planned' keeps following the
   * SoC path, better when one reading must stand for minutes (long simulation steps), since the
   * plan knows the slot's mean and the reading only its first instant.
   */
  readonly peakSlots?: 'measured' | 'planned';
  /** SoC errors are closed over at least this long, s, so a late correction never slams the battery. Default 300. */
  readonly minCorrectionS?: number;
}

const kw = (x: number): string => `${x.toFixed(1)} kW`;
const INF = Number.POSITIVE_INFINITY;

/**
 * Follows the planner's schedule in real time (MPC: the plan is re-made from measured SoC; this
 * step corrects what the forecast got wrong). Safety first: battery power and SoC bounds, the
 * import limit, the export limit and DR caps. Then the import target: the plan's billing peak
 * (never above the hard limits); above it the batteries discharge by the excess of import
 * *without* batteries (as peakShaving, so the loop never chases its own action); below it they
 * move toward the plan's end-of-slot SoC, never lifting import over the target.
 */
export function createPlanFollowing(options: PlanFollowingOptions = {}): Controller<PlanFollowingState> {
  const deadbandKw = options.deadbandKw ?? 0.5;
  const minCorrectionS = options.minCorrectionS ?? 300;
  if (!Number.isFinite(deadbandKw) || deadbandKw < 0) {
    throw new VppError('CONTROL_OPTION_INVALID', `planFollowing: deadbandKw must be >= 0, got ${String(deadbandKw)}`);
  }
  if (!Number.isFinite(minCorrectionS) || minCorrectionS <= 0) {
    throw new VppError('CONTROL_OPTION_INVALID', `planFollowing: minCorrectionS must be > 0, got ${String(minCorrectionS)}`);
  }
  const block = (options.demandWindow ?? 'block') === 'block';
  const measuredPeaks = (options.peakSlots ?? 'measured') === 'measured';
  return (image, nowMs, state) => {
    const { site, state: siteState } = image;
    if (siteState.siteId !== site.id) {
      throw new VppError('CONTROL_IMAGE_MISMATCH', `planFollowing: state.siteId must equal site.id "${site.id}", got "${siteState.siteId}"`);
    }
    const notes: string[] = [];
    const ready: { asset: BatteryAsset; h: BatteryHeadroom }[] = [];
    for (const asset of site.assets) {
      if (asset.kind !== 'battery') continue;
      const h = batteryHeadroom(asset, siteState.assets[asset.id]);
      if (h === undefined) notes.push(`${asset.id}: unavailable: no setpoint, device revert timer applies`);
      else ready.push({ asset, h });
    }
    const gridKw = usable(siteState.gridPowerKw);
    if (gridKw === undefined) {
      notes.push(`grid meter reading is ${siteState.gridPowerKw.quality}: no setpoints, device revert timers apply`);
      return { setpoints: [], state: initialPlanFollowingState, notes };
    }
    // Unavailable batteries' unknown power stays in the measured figure; a nowcast covers the
    // whole cycle ahead and replaces the instant reading when one is given.
    const netKw = image.nowcastNetKw ?? gridKw - ready.reduce((s, r) => s + r.h.powerKw, 0);
    const caps = image.obligations ?? {};
    const ceil = importCeiling(site, caps);
    const importCeilKw = ceil.kw;
    const exportCeilKw = Math.min(site.gridExportLimitKw ?? INF, caps.exportCapKw ?? INF);
    // A DR floor never lifts import over the import limit or a cap (control/README.md).
    const floorKw = Math.min(caps.importFloorKw ?? -INF, importCeilKw);

    const slot = slotOf(image.plan, nowMs);
    let window = state.window;
    let targetKw = site.peakTargetKw ?? INF;
    let why = site.peakTargetKw === undefined ? 'no plan, no peak target' : `no plan: peak target ${site.peakTargetKw} kW`;
    const wanted = new Map<string, number>();
    let peakSlot = false;
    if (slot !== undefined) {
      const { plan, k, endMs } = slot;
      // Sliding windows: a plan at the physics step may import above its peak for a step (a spike
      // the windows around it absorb); that step's own planned import is then the target.
      targetKw = block ? plan.peakKw : Math.max(plan.peakKw, plan.gridKw[k] ?? -INF);
      why = `plan peak ${kw(plan.peakKw)}`;
      // A slot the plan holds at its peak: import sits on the target whatever the SoC path says.
      // Following the path there would discharge below the target whenever the load dips inside
      // the slot (the plan saw only the slot's mean) and spend energy the last peaks need.
      // Only where the plan shaves (discharges): a valley it fills up to the peak follows the SoC path.
      const plannedSlotKw = Object.values(plan.batteryKw).reduce((a, kws) => a + (kws[k] ?? 0), 0);
      peakSlot = measuredPeaks && plannedSlotKw < 0 && (plan.gridKw[k] ?? -INF) >= plan.peakKw - Math.max(0.01, 1e-3 * Math.abs(plan.peakKw));
      const importKwh = meterImportKwh(image);
      if (block && importKwh !== undefined && endMs > nowMs) {
        if (window?.endMs !== endMs) window = { endMs, fromMs: nowMs, importKwhAtFrom: importKwh };
        const allowedKwh = (plan.peakKw * (endMs - window.fromMs)) / 3.6e6 - (importKwh - window.importKwhAtFrom);
        targetKw = (allowedKwh * 3.6e6) / (endMs - nowMs);
        why = `plan peak ${kw(plan.peakKw)} as window mean (${kw(targetKw)} left for the window)`;
      }
      const leftH = (endMs - nowMs) / 3.6e6;
      const correctionH = Math.max(leftH, minCorrectionS / 3600);
      for (const { asset, h } of ready) {
        const plannedKw = plan.batteryKw[asset.id]?.[k];
        const socEndPct = plan.socPct[asset.id]?.[k];
        if (plannedKw === undefined || socEndPct === undefined) continue;
        // Where the plan has the battery now: its end-of-slot SoC less what the slot's power still adds.
        const storedKw = plannedKw >= 0 ? plannedKw * asset.chargeEfficiency : plannedKw / asset.dischargeEfficiency;
        const socNowPct = socEndPct - ((storedKw * leftH) / asset.capacityKwh) * 100;
        wanted.set(asset.id, plannedKw + kwToReach(asset, h.socPct, socNowPct, correctionH));
      }
    }
    const upperKw = Math.min(targetKw, importCeilKw);
    const chargeKw = ready.reduce((s, r) => s + r.h.chargeLimitKw, 0);
    const dischargeKw = ready.reduce((s, r) => s + r.h.dischargeLimitKw, 0);
    const wantedKw = [...wanted.values()].reduce((s, v) => s + v, 0);
    // A DR floor comes before the plan's peak (obligations before schedule), never before the ceiling.
    const hiKw = Math.min(chargeKw, Math.max(upperKw, floorKw) - netKw);
    const loKw = Math.max(-dischargeKw, -exportCeilKw - netKw, floorKw - netKw);
    // The import side wins a conflict: it is the hard limit we are paid (and fined) on.
    const totalKw = Math.max(-dischargeKw, Math.min(hiKw, Math.max(loKw, peakSlot ? hiKw : wantedKw)));
    const reason = reasonOf({ netKw, upperKw, importCeilKw, targetKw, wantedKw, totalKw, loKw, why, slotK: slot?.k, ceilName: ceil.name, floorKw, exportCeilKw }, caps);

    const perBattery = allocate(ready, slot === undefined ? undefined : wanted, totalKw);
    const setpoints: Setpoint[] = [];
    const lastSetpointKw: Record<string, number> = {};
    const held = hold(ready, perBattery, state, deadbandKw, { loKw, hiKw: Math.min(chargeKw, importCeilKw - netKw) });
    for (const { asset } of ready) {
      const powerKw = Math.trunc((held.get(asset.id) ?? 0) * 1000) / 1000 + 0;
      setpoints.push({ siteId: site.id, assetId: asset.id, powerKw, reason, atMs: nowMs });
      lastSetpointKw[asset.id] = powerKw;
    }
    return { setpoints, state: { lastSetpointKw, ...(window !== undefined ? { window } : {}) }, ...(notes.length > 0 ? { notes } : {}) };
  };
}

export const planFollowing: Controller<PlanFollowingState> = createPlanFollowing();

/** The plan slot that holds nowMs, or undefined when there is no plan or it has run out. */
function slotOf(plan: Plan | undefined, nowMs: number): { plan: Plan; k: number; endMs: number } | undefined {
  if (plan === undefined) return undefined;
  const slotMs = plan.slotS * 1000;
  const k = Math.floor((nowMs - plan.startMs) / slotMs);
  if (k < 0 || k >= plan.gridKw.length) return undefined;
  return { plan, k, endMs: plan.startMs + (k + 1) * slotMs };
}

/** The grid meter's import register (kWh) when every meter of the site reports it good. */
function meterImportKwh(image: ProcessImage): number | undefined {
  const meters = image.site.assets.filter((a) => a.kind === 'meter');
  if (meters.length === 0) return undefined;
  let sum = 0;
  for (const m of meters) {
    const v = usable(image.state.assets[m.id]?.readings.energyImportKwh);
    if (v === undefined) return undefined;
    sum += v;
  }
  return sum;
}

/** AC power that takes the battery from socPct to targetPct in hours, through its efficiencies. */
function kwToReach(a: BatteryAsset, socPct: number, targetPct: number, hours: number): number {
  const storedKwh = ((targetPct - socPct) / 100) * a.capacityKwh;
  return storedKwh >= 0 ? storedKwh / a.chargeEfficiency / hours : (storedKwh * a.dischargeEfficiency) / hours;
}

/**
 * Splits the site total across batteries. With a plan each battery starts from its own planned
 * power (the LP chose which battery works, e.g. the more efficient one), and only what the
 * guards add or take is shared, by room left in that direction. Without a plan the total is
 * split by energy left, as peakShaving does, so SoCs converge.
 */
function allocate(
  ready: readonly { h: BatteryHeadroom }[],
  wanted: ReadonlyMap<string, number> | undefined,
  totalKw: number,
): Map<string, number> {
  const base = new Map(ready.map(({ h }) => [h.assetId, Math.max(-h.dischargeLimitKw, Math.min(h.chargeLimitKw, wanted?.get(h.assetId) ?? 0))]));
  const deltaKw = totalKw - [...base.values()].reduce((a, v) => a + v, 0);
  const up = deltaKw > 0;
  const extra = splitByWeight(
    Math.abs(deltaKw),
    ready.map(({ h }) => {
      const b = base.get(h.assetId) ?? 0;
      const limitKw = up ? h.chargeLimitKw - b : b + h.dischargeLimitKw;
      return { id: h.assetId, limitKw, weight: wanted === undefined ? (up ? h.energyBelowCeilingKwh : h.energyAboveFloorKwh) : limitKw };
    }),
  );
  return new Map([...base].map(([id, b]) => [id, b + (up ? 1 : -1) * (extra.get(id) ?? 0)]));
}

/**
 * Keeps each battery's last setpoint when the new one differs by less than the deadband, so
 * metering noise does not rewrite devices; never across a change of direction or beyond the
 * total the limits allow this cycle.
 */
function hold(
  ready: readonly { h: BatteryHeadroom }[],
  wanted: ReadonlyMap<string, number>,
  state: PlanFollowingState,
  deadbandKw: number,
  bounds: { readonly loKw: number; readonly hiKw: number },
): Map<string, number> {
  const held = new Map(wanted);
  for (const { h } of ready) {
    const next = wanted.get(h.assetId) ?? 0;
    const last = state.lastSetpointKw[h.assetId];
    if (last === undefined || Math.abs(next - last) >= deadbandKw) continue;
    if ((last > 0 && next < 0) || (last < 0 && next > 0) || last > h.chargeLimitKw || -last > h.dischargeLimitKw) continue;
    held.set(h.assetId, last);
  }
  const sum = [...held.values()].reduce((s, v) => s + v, 0);
  // Holding may leave import a deadband off the target (that is what a deadband is), never past a hard limit.
  return sum > bounds.hiKw + 1e-9 || sum < bounds.loKw - 1e-9 ? new Map(wanted) : held;
}

/**
 * The bench's baseline, a static threshold pair: discharge by the excess above P, recharge by
 * the deficit below R, idle between (peakShaving with the pair as its target, under any DR cap).
 */
export function createStaticThreshold(t: { readonly dischargeAboveKw: number; readonly rechargeBelowKw: number; readonly deadbandKw?: number }): Controller<PeakShavingState> {
  if (!Number.isFinite(t.dischargeAboveKw) || !Number.isFinite(t.rechargeBelowKw) || t.rechargeBelowKw > t.dischargeAboveKw) {
    throw new VppError('CONTROL_OPTION_INVALID', `staticThreshold: rechargeBelowKw must be finite and <= dischargeAboveKw (${t.dischargeAboveKw}), got ${t.rechargeBelowKw}`);
  }
  const inner = createPeakShaving(t.deadbandKw === undefined ? {} : { deadbandKw: t.deadbandKw });
  return (image, nowMs, state) => {
    const p = Math.min(t.dischargeAboveKw, image.obligations?.importCapKw ?? INF);
    const site = { ...image.site, peakTargetKw: p, rechargeBelowKw: Math.min(t.rechargeBelowKw, p) };
    // Floors, export caps and their sources reach the inner controller too, not only the import cap.
    return inner({ site, state: image.state, ...(image.obligations !== undefined ? { obligations: image.obligations } : {}) }, nowMs, state);
  };
}
