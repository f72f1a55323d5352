import { batteryHeadroom, type BatteryHeadroom } from '../core/index.js';
import { splitByWeight } from '../control/index.js';
import { usable, type BatteryAsset, type Setpoint, type Site, type SiteState } from '../domain/index.js';
import type { EffectiveMode } from './modes.js';

/** One site's cycle, after the controller ran: what each asset's mode makes of it. */
export interface ModePlanInput {
  readonly site: Site;
  readonly state: SiteState;
  readonly nowMs: number;
  /** Effective mode by asset id. */
  readonly modes: ReadonlyMap<string, EffectiveMode>;
  /** The controller's setpoints on the image of the auto assets only. */
  readonly autoSetpoints: readonly Setpoint[];
  /** The controller's setpoints on the whole site, as if every asset were in auto. */
  readonly shadowSetpoints: readonly Setpoint[];
}

export interface ModePlan {
  /** To write: auto setpoints as the controller gave them, manual ones after the guards. */
  readonly write: Setpoint[];
  /** To record only, reason prefixed `shadow:`. */
  readonly shadow: Setpoint[];
  readonly notes: string[];
}

/** The grid-side context a manual setpoint is checked in, kW, load convention. */
export interface GridContext {
  /** Grid power without the batteries being steered this cycle. */
  readonly baseKw: number;
  /** Bounds on what the other steered batteries will draw together this cycle. */
  readonly othersMaxKw: number;
  readonly othersMinKw: number;
}

const kw = (x: number): string => `${x.toFixed(1)} kW`;

/**
 * Cuts an operator's setpoint with the same guards the controllers keep: the battery's power
 * limits and SoC floor/ceiling (its headroom, BMS limits included), then the site's import and
 * export limits with the other batteries' contribution. Cuts only ever move toward zero: a
 * manual setpoint never breaks a limit, and never turns into the opposite action.
 */
export function guardManualKw(site: Site, asset: BatteryAsset, h: BatteryHeadroom, wantedKw: number, grid: GridContext): { powerKw: number; cuts: string[] } {
  const cuts: string[] = [];
  let p = wantedKw;
  if (p > h.chargeLimitKw) {
    p = h.chargeLimitKw;
    cuts.push(h.socPct >= asset.maxSocPct ? `soc ceiling ${h.socPct.toFixed(1)} % >= ${asset.maxSocPct} %` : `charge limit ${kw(h.chargeLimitKw)}`);
  }
  if (p < -h.dischargeLimitKw) {
    p = -h.dischargeLimitKw;
    cuts.push(h.socPct <= asset.minSocPct ? `soc floor ${h.socPct.toFixed(1)} % <= ${asset.minSocPct} %` : `discharge limit ${kw(h.dischargeLimitKw)}`);
  }
  const upperKw = Math.max(0, site.gridImportLimitKw - grid.baseKw - grid.othersMaxKw);
  if (p > upperKw) {
    p = upperKw;
    cuts.push(`grid import limit ${site.gridImportLimitKw} kW`);
  }
  if (site.gridExportLimitKw !== undefined) {
    const lowerKw = Math.min(0, -site.gridExportLimitKw - grid.baseKw - grid.othersMinKw);
    if (p < lowerKw) {
      p = lowerKw;
      cuts.push(`grid export limit ${site.gridExportLimitKw} kW`);
    }
  }
  return { powerKw: Math.trunc(p * 1000) / 1000 + 0, cuts };
}

interface Steered {
  readonly asset: BatteryAsset;
  readonly h: BatteryHeadroom;
  readonly mode: EffectiveMode;
}

/** Applies each asset's effective mode to the controller's output for one site and cycle. */
export function planModes(input: ModePlanInput): ModePlan {
  const { site, state, nowMs, modes } = input;
  const notes: string[] = [];
  const write: Setpoint[] = input.autoSetpoints.filter((sp) => modes.get(sp.assetId)?.mode === 'auto');
  const shadow: Setpoint[] = input.shadowSetpoints
    .filter((sp) => modes.get(sp.assetId)?.mode === 'shadow')
    .map((sp) => ({ ...sp, reason: `shadow: ${sp.reason}` }));

  const steered: Steered[] = [];
  const manual: Steered[] = [];
  for (const asset of site.assets) {
    const mode = modes.get(asset.id);
    if (asset.kind !== 'battery' || mode === undefined || (mode.mode !== 'auto' && mode.mode !== 'manual')) continue;
    const h = batteryHeadroom(asset, state.assets[asset.id]);
    if (h === undefined) {
      if (mode.mode === 'manual') notes.push(`${asset.id}: manual, but unavailable: no setpoint, device revert timer applies`);
      continue;
    }
    steered.push({ asset, h, mode });
    if (mode.mode === 'manual') manual.push({ asset, h, mode });
  }
  if (manual.length === 0) return { write, shadow, notes };
  const gridKw = usable(state.gridPowerKw);
  if (gridKw === undefined) {
    notes.push(`grid meter reading is ${state.gridPowerKw.quality}: manual setpoints cannot be checked against the grid limits, none written`);
    return { write, shadow, notes };
  }

  const wanted = manualShares(manual);
  const planned = new Map<string, { min: number; max: number }>();
  for (const s of steered) {
    if (s.mode.mode === 'auto') {
      const v = write.find((sp) => sp.assetId === s.asset.id)?.powerKw ?? s.h.powerKw;
      planned.set(s.asset.id, { min: v, max: v });
    } else {
      // Not yet guarded: it will end between 0 and its wish (cuts only move toward zero).
      const w = wanted.get(s.asset.id) ?? 0;
      planned.set(s.asset.id, { min: Math.min(0, w), max: Math.max(0, w) });
    }
  }
  const baseKw = gridKw - steered.reduce((sum, s) => sum + s.h.powerKw, 0);
  for (const m of manual) {
    const id = m.asset.id;
    const others = [...planned].filter(([k]) => k !== id).map(([, v]) => v);
    const wantedKw = wanted.get(id) ?? 0;
    const { powerKw, cuts } = guardManualKw(site, m.asset, m.h, wantedKw, {
      baseKw,
      othersMaxKw: others.reduce((s, v) => s + v.max, 0),
      othersMinKw: others.reduce((s, v) => s + v.min, 0),
    });
    planned.set(id, { min: powerKw, max: powerKw });
    const from = m.mode.source === 'site' ? `site setpoint ${kw(m.mode.manualKw ?? 0)}, share ${kw(wantedKw)}` : `operator setpoint ${kw(wantedKw)}`;
    const reason = cuts.length === 0 ? `manual: ${from}` : `manual: ${from}; cut to ${kw(powerKw)} by ${cuts.join(', ')}`;
    write.push({ siteId: site.id, assetId: id, powerKw, reason, atMs: nowMs });
  }
  return { write, shadow, notes };
}

/**
 * Each manual battery's wish: its own setpoint, or its share of the site's total, split like
 * the controllers split (by energy left toward the bound, within each battery's limit). What
 * no battery can take is cut here already: the guards would cut it anyway.
 */
function manualShares(manual: readonly Steered[]): Map<string, number> {
  const out = new Map<string, number>();
  const shared = manual.filter((m) => m.mode.source === 'site');
  for (const m of manual) if (m.mode.source === 'asset') out.set(m.asset.id, m.mode.manualKw ?? 0);
  const totalKw = shared[0]?.mode.manualKw ?? 0;
  const charging = totalKw > 0;
  const shares = splitByWeight(
    Math.abs(totalKw),
    shared.map(({ h }) => ({
      id: h.assetId,
      limitKw: charging ? h.chargeLimitKw : h.dischargeLimitKw,
      weight: charging ? h.energyBelowCeilingKwh : h.energyAboveFloorKwh,
    })),
  );
  // With every share capped at 0 (all at the floor), the guards still say why: pass the whole wish to one.
  const placed = [...shares.values()].reduce((s, v) => s + v, 0);
  for (const m of shared) out.set(m.asset.id, (charging ? 1 : -1) * (shares.get(m.asset.id) ?? 0) + 0);
  if (placed === 0 && totalKw !== 0 && shared[0] !== undefined) out.set(shared[0].asset.id, totalKw);
  return out;
}
