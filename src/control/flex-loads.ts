import { evHeadroom, hvacHeadroom, type EvHeadroom, type HvacHeadroom } from '../core/index.js';
import type { EvChargerAsset, HvacAsset, Setpoint, Site, SiteState } from '../domain/index.js';
import { splitByWeight } from './split.js';

/**
 * EV chargers and HVAC units as the peak shaver sees them. Each has a power it draws when left
 * alone (`wantKw`: what it would draw released: maxKw for a car that wants energy, ratedKw
 * for a unit whose thermostat runs it) and how much of that a curtailment may take now
 * (`shedKw`), after its guard:
 * - EV: never below floorKw = energy still wanted / time to departure (core/ev-headroom.ts);
 * - HVAC: never at its comfort band edge (core/hvac-headroom.ts): there it must run.
 */
export interface FlexEv {
  readonly asset: EvChargerAsset;
  readonly h: EvHeadroom;
  readonly wantKw: number;
  readonly shedKw: number;
}

export interface FlexHvac {
  readonly asset: HvacAsset;
  readonly h: HvacHeadroom;
  readonly wantKw: number;
  readonly shedKw: number;
}

export interface FlexLoads {
  readonly evs: readonly FlexEv[];
  readonly hvacs: readonly FlexHvac[];
  /** Σ measured power of the loads above (the rest of the site is base load), kW. */
  readonly powerKw: number;
  /** Σ wantKw, kW. */
  readonly wantKw: number;
}

/** The available EV chargers and HVAC units of a site; the unavailable ones get a note, no setpoint. */
export function readFlexLoads(site: Site, state: SiteState, nowMs: number, notes: string[]): FlexLoads {
  const evs: FlexEv[] = [];
  const hvacs: FlexHvac[] = [];
  for (const asset of site.assets) {
    if (asset.kind === 'evCharger') {
      const h = evHeadroom(asset, state.assets[asset.id], state.evSessions?.[asset.id], nowMs);
      if (h === undefined) notes.push(`${asset.id}: unavailable (powerKw or connected not good): no setpoint, device revert timer applies`);
      else if (h.connected) {
        // A car whose needs are unknown is charged as uncontrolled: its measured power is what it wants.
        const wantKw = h.session === undefined ? h.powerKw : h.ceilingKw;
        evs.push({ asset, h, wantKw, shedKw: Math.max(0, wantKw - h.floorKw) });
      }
    } else if (asset.kind === 'hvac') {
      const h = hvacHeadroom(asset, state.assets[asset.id]);
      if (h === undefined) {
        notes.push(`${asset.id}: unavailable (powerKw or temperatureC not good): no setpoint`);
        continue;
      }
      const sign = asset.thermalMode === 'cooling' ? 1 : -1;
      const running = h.powerKw > 0;
      // Released to its nominal setpoint the thermostat starts it at setpoint ± hysteresis/2.
      const wouldStart = sign * (h.temperatureC - (asset.setpointC + (sign * asset.hysteresisC) / 2)) >= 0;
      const wantKw = running || wouldStart ? asset.ratedKw : 0;
      const shedKw = h.atEdge || (running && h.curtailableKw === 0) ? 0 : wantKw;
      hvacs.push({ asset, h, wantKw, shedKw });
    }
  }
  const sum = (xs: readonly { readonly wantKw: number }[]): number => xs.reduce((s, x) => s + x.wantKw, 0);
  return {
    evs,
    hvacs,
    powerKw: evs.reduce((s, e) => s + e.h.powerKw, 0) + hvacs.reduce((s, x) => s + x.h.powerKw, 0),
    wantKw: sum(evs) + sum(hvacs),
  };
}

/** How much each EV gives up: `kw` split in proportion to what each may shed. */
export function shedEvs(evs: readonly FlexEv[], kw: number): Map<string, number> {
  return splitByWeight(kw, evs.map((e) => ({ id: e.asset.id, limitKw: e.shedKw, weight: e.shedKw })));
}

/**
 * Which HVAC units to hold off to cover `kw`: whole units (a thermostat is on or off), the one
 * with the longest time to its band edge first (the least discomfort per kW).
 */
export function shedHvacs(hvacs: readonly FlexHvac[], kw: number): Set<string> {
  const out = new Set<string>();
  let left = kw;
  const order = [...hvacs].filter((x) => x.shedKw > 0).sort((a, b) => b.h.hoursToEdgeOff - a.h.hoursToEdgeOff);
  for (const x of order) {
    if (left <= 1e-9) break;
    out.add(x.asset.id);
    left -= x.shedKw;
  }
  return out;
}

const kw1 = (x: number): string => `${x.toFixed(1)} kW`;

/** Setpoints for the EV chargers: wanted power less the shed, never below the departure floor. */
export function evSetpoints(evs: readonly FlexEv[], shed: ReadonlyMap<string, number>, why: string, siteId: string, atMs: number): Setpoint[] {
  return evs.map(({ asset, h, wantKw }) => {
    const cut = shed.get(asset.id) ?? 0;
    if (h.session === undefined) {
      return { siteId, assetId: asset.id, powerKw: asset.maxKw, reason: 'ev: session unknown: charged as uncontrolled', atMs };
    }
    if (h.remainingKwh <= 0) return { siteId, assetId: asset.id, powerKw: asset.maxKw, reason: 'ev: session energy delivered: released', atMs };
    const powerKw = Math.max(h.floorKw, wantKw - cut);
    const guard = `${h.remainingKwh.toFixed(1)} kWh in ${h.hoursLeft.toFixed(2)} h needs >= ${kw1(h.floorKw)}`;
    let reason: string;
    if (cut > 1e-9 && powerKw <= h.floorKw + 1e-9) reason = `safety: ev departure: ${guard} (${why})`;
    else if (cut > 1e-9) reason = `${why}: ev curtailed by ${kw1(cut)} (${guard})`;
    else if (h.floorKw >= asset.maxKw - 1e-9) reason = `safety: ev departure: ${guard}`;
    else reason = 'ev: released';
    // Rounded up, never down: a hair below the floor is a car short at departure.
    return { siteId, assetId: asset.id, powerKw: Math.min(asset.maxKw, Math.ceil(powerKw * 1000 - 1e-6) / 1000), reason, atMs };
  });
}

/** Setpoints for the HVAC units: held off at the band-edge setpoint, or released to the nominal one. */
export function hvacSetpoints(hvacs: readonly FlexHvac[], held: ReadonlySet<string>, why: string, wanted: boolean, siteId: string, atMs: number): Setpoint[] {
  return hvacs.map(({ asset, h, wantKw }) => {
    const edge = `${h.temperatureC.toFixed(1)} °C, band edge ${h.driftEdgeC.toFixed(1)} °C`;
    if (held.has(asset.id)) {
      return { siteId, assetId: asset.id, powerKw: 0, setpointC: h.curtailSetpointC, reason: `${why}: hvac held off until the band edge (${edge}, ${h.hoursToEdgeOff.toFixed(2)} h)`, atMs };
    }
    const reason = wanted && h.atEdge ? `safety: comfort band: ${edge}: runs` : wanted && wantKw > 0 && h.curtailableKw === 0 && h.powerKw > 0 ? `hvac: thermostat runs on (${edge})` : 'hvac: released';
    return { siteId, assetId: asset.id, powerKw: wantKw, setpointC: asset.setpointC, reason, atMs };
  });
}
