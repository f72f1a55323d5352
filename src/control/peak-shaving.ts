import { batteryHeadroom, type BatteryHeadroom } from '../core/index.js';
import { usable, VppError, type BatteryAsset, type Setpoint } from '../domain/index.js';
import { decide, type Decision } from './decide.js';
import { readFlexLoads } from './flex-loads.js';
import { withFlexLoads } from './peak-shaving-flex.js';
import { splitByWeight } from './split.js';
import type { Controller, ControllerResult } from './types.js';

export interface PeakShavingState {
  /** The setpoint last issued per battery, kW; a battery that got none is absent. */
  readonly lastSetpointKw: Readonly<Record<string, number>>;
}

export const initialPeakShavingState: PeakShavingState = Object.freeze({ lastSetpointKw: Object.freeze({}) });

export interface PeakShavingOptions {
  /** A new setpoint closer than this to the last one keeps the last, kW. Default 0.5. */
  readonly deadbandKw?: number;
}

/**
 * Builds the peak-shaving / valley-filling controller; `peakShaving` is it with defaults.
 *
 * With EV chargers and HVAC units the import is first taken as if every one of them were
 * released (cars at full power, thermostats at their nominal setpoints), so that the loop never
 * chases its own curtailment, and the excess over the target (or import limit, or DR cap) is
 * covered cheapest first, by the cost of what is given up:
 * 1. EV chargers, down to their departure floor: free, the car leaves as full as it would have;
 * 2. batteries: round-trip losses (about 10 %) and wear, within their SoC floor;
 * 3. HVAC units, whole units, the longest time to the band edge first: comfort is spent (the
 *    room drifts toward the band edge, never past it: a unit at the edge runs).
 * Power an HVAC unit frees beyond the need (a unit is on or off) is given back to the batteries.
 */
export function createPeakShaving(options: PeakShavingOptions = {}): Controller<PeakShavingState> {
  const deadbandKw = options.deadbandKw ?? 0.5;
  if (!Number.isFinite(deadbandKw) || deadbandKw < 0) {
    throw new VppError('CONTROL_OPTION_INVALID', `peakShaving: deadbandKw must be >= 0, got ${String(deadbandKw)}`);
  }
  return (image, nowMs, state) => {
    const { site, state: siteState } = image;
    if (siteState.siteId !== site.id) {
      throw new VppError(
        'CONTROL_IMAGE_MISMATCH',
        `peakShaving: state.siteId must equal site.id "${site.id}", got "${siteState.siteId}"`,
      );
    }
    const notes: string[] = [];
    const ready: { asset: BatteryAsset; h: BatteryHeadroom }[] = [];
    for (const asset of site.assets) {
      if (asset.kind !== 'battery') continue;
      const assetState = siteState.assets[asset.id];
      const h = batteryHeadroom(asset, assetState);
      if (h === undefined) {
        const why = ['powerKw', 'socPct'] as const;
        const seen = why.map((m) => `${m} ${assetState?.readings[m]?.quality ?? 'missing'}`).join(', ');
        // No setpoint at all: the device's revert timer takes it to its safe state.
        notes.push(`${asset.id}: unavailable (${seen}): no setpoint, device revert timer applies`);
      } else {
        ready.push({ asset, h });
      }
    }
    const gridKw = usable(siteState.gridPowerKw);
    if (gridKw === undefined) {
      notes.push(
        `grid meter reading is ${siteState.gridPowerKw.quality}: no setpoints, device revert timers apply`,
      );
      return { setpoints: [], state: initialPeakShavingState, notes };
    }
    if (ready.length < site.assets.filter((a) => a.kind === 'battery').length && ready.length > 0) {
      notes.push('import without batteries includes the unavailable batteries\u2019 unknown power');
    }
    const netKw = gridKw - ready.reduce((s, r) => s + r.h.powerKw, 0);
    const fleet = {
      dischargeKw: ready.reduce((s, r) => s + r.h.dischargeLimitKw, 0),
      chargeKw: ready.reduce((s, r) => s + r.h.chargeLimitKw, 0),
    };
    const flex = readFlexLoads(site, siteState, nowMs, notes);
    if (flex.evs.length === 0 && flex.hvacs.length === 0) {
      const decision = decide(site, netKw, fleet, image.obligations);
      // Without a peak target, 0 goes only to a battery that is running (or was told to run).
      const zeroOnlyIfRunning = decision.rule === 'idle' && site.peakTargetKw === undefined;
      return dispatch(ready, decision, state, { siteId: site.id, nowMs, deadbandKw, notes, zeroOnlyIfRunning });
    }
    return withFlexLoads(image, nowMs, { netKw, fleet, flex }, (decision) =>
      dispatch(ready, decision, state, { siteId: site.id, nowMs, deadbandKw, notes, zeroOnlyIfRunning: decision.rule === 'idle' && site.peakTargetKw === undefined }),
    );
  };
}

export const peakShaving: Controller<PeakShavingState> = createPeakShaving();

interface Ctx {
  readonly siteId: string;
  readonly nowMs: number;
  readonly deadbandKw: number;
  readonly notes: string[];
  readonly zeroOnlyIfRunning: boolean;
}

/** Splits the decision across the ready batteries, applies the deadband, writes the reasons. */
function dispatch(
  ready: readonly { asset: BatteryAsset; h: BatteryHeadroom }[],
  decision: Decision,
  state: PeakShavingState,
  ctx: Ctx,
): ControllerResult<PeakShavingState> {
  const charging = decision.totalKw > 0;
  const shares = splitByWeight(
    Math.abs(decision.totalKw),
    ready.map(({ h }) => ({
      id: h.assetId,
      limitKw: charging ? h.chargeLimitKw : h.dischargeLimitKw,
      weight: charging ? h.energyBelowCeilingKwh : h.energyAboveFloorKwh,
    })),
  );
  const wanted = new Map(ready.map(({ h }) => [h.assetId, (charging ? 1 : -1) * (shares.get(h.assetId) ?? 0)]));
  const held = holdWithinDeadband(ready, wanted, state, ctx.deadbandKw, decision.siteCapKw);

  const running = (h: BatteryHeadroom): boolean =>
    Math.abs(h.powerKw) >= ctx.deadbandKw || (state.lastSetpointKw[h.assetId] ?? 0) !== 0;
  const setpoints: Setpoint[] = [];
  const lastSetpointKw: Record<string, number> = {};
  for (const { asset, h } of ready) {
    const powerKw = towardZero(held.get(h.assetId) ?? 0);
    if (ctx.zeroOnlyIfRunning && powerKw === 0 && !running(h)) continue;
    setpoints.push({
      siteId: ctx.siteId,
      assetId: asset.id,
      powerKw,
      reason: reasonFor(asset, h, decision, powerKw),
      atMs: ctx.nowMs,
    });
    lastSetpointKw[asset.id] = powerKw;
  }
  return { setpoints, state: { lastSetpointKw }, ...(ctx.notes.length > 0 ? { notes: ctx.notes } : {}) };
}

/**
 * Keeps the last setpoint where the new one differs by less than the deadband, so metering
 * noise does not rewrite the device every second. Never holds across a stop or a change of
 * direction, never beyond a battery's current limits, and never when the held values together
 * would break the site's hard limit in that direction (`siteCapKw`). Holding may leave import
 * up to a deadband off the target: that is what a deadband is.
 */
function holdWithinDeadband(
  ready: readonly { h: BatteryHeadroom }[],
  wanted: ReadonlyMap<string, number>,
  state: PeakShavingState,
  deadbandKw: number,
  siteCapKw: number,
): Map<string, number> {
  const held = new Map(wanted);
  for (const { h } of ready) {
    const next = wanted.get(h.assetId) ?? 0;
    const last = state.lastSetpointKw[h.assetId];
    if (last === undefined || next === 0 || Math.sign(last) !== Math.sign(next)) continue;
    if (Math.abs(next - last) >= deadbandKw) continue;
    if (last > h.chargeLimitKw || -last > h.dischargeLimitKw) continue;
    held.set(h.assetId, last);
  }
  const sum = [...held.values()].reduce((s, v) => s + v, 0);
  return Math.abs(sum) > siteCapKw + 1e-9 ? new Map(wanted) : held;
}

function reasonFor(asset: BatteryAsset, h: BatteryHeadroom, decision: Decision, powerKw: number): string {
  if (powerKw === 0 && decision.direction === 'discharge' && h.dischargeLimitKw === 0 && h.socPct <= asset.minSocPct) {
    return `safety: soc floor ${h.socPct.toFixed(1)} % <= ${asset.minSocPct} % (${decision.reason})`;
  }
  if (powerKw === 0 && decision.direction === 'charge' && h.chargeLimitKw === 0 && h.socPct >= asset.maxSocPct) {
    return `safety: soc ceiling ${h.socPct.toFixed(1)} % >= ${asset.maxSocPct} % (${decision.reason})`;
  }
  return decision.reason;
}

/** Trims float noise toward zero (never past a limit) and turns -0 into 0. */
function towardZero(kw: number): number {
  return Math.trunc(kw * 1000) / 1000 + 0;
}
