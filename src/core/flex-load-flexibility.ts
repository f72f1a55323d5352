import type { Asset, AssetState, EvChargerAsset, EvSession, FlexibilityEnvelope, HvacAsset, Site } from '../domain/index.js';
import { evHeadroom } from './ev-headroom.js';
import { batteryFlexibility, FLEXIBILITY_HORIZON_S } from './flexibility.js';
import { hvacHeadroom } from './hvac-headroom.js';

interface Part {
  readonly decreaseKw: number;
  readonly decreaseH: number;
  readonly increaseKw: number;
  readonly increaseH: number;
}

/**
 * EV chargers and HVAC units as flexibility, each part held for its own time:
 *
 * - EV decrease = power − floorKw (floor = remaining kWh / hours to departure, at least minKw,
 *   core/ev-headroom.ts), held until departure: at the floor rate the car is full just then,
 *   and the floor does not rise while it is held. EV increase = maxKw − power while the car
 *   wants energy, held until it is full at maxKw (remaining / maxKw). A car whose session is
 *   unknown offers nothing.
 * - HVAC decrease = its running power (when a curtailment stops it), held until the room drifts
 *   to the comfort band edge with the unit off (core/hvac-headroom.ts); nothing at the edge.
 *   HVAC increase = ratedKw for a unit that is off, held until the room reaches the other edge
 *   with the unit on.
 */
export function flexLoadFlexibility(
  assets: readonly Asset[],
  states: Readonly<Record<string, AssetState>>,
  sessions: Readonly<Record<string, EvSession>> | undefined,
  atMs: number,
): FlexibilityEnvelope {
  const parts: Part[] = [];
  for (const a of assets) {
    if (a.kind === 'evCharger') parts.push(evPart(a, states[a.id], sessions?.[a.id], atMs));
    else if (a.kind === 'hvac') parts.push(hvacPart(a, states[a.id]));
  }
  return combine(parts);
}

const NONE: Part = { decreaseKw: 0, decreaseH: 0, increaseKw: 0, increaseH: 0 };

function evPart(a: EvChargerAsset, state: AssetState | undefined, session: EvSession | undefined, atMs: number): Part {
  const h = evHeadroom(a, state, session, atMs);
  if (h === undefined || !h.connected || h.session === undefined) return NONE;
  return {
    decreaseKw: Math.max(0, h.powerKw - h.floorKw),
    decreaseH: Math.max(0, h.hoursLeft),
    increaseKw: Math.max(0, h.ceilingKw - h.powerKw),
    increaseH: h.remainingKwh / a.maxKw,
  };
}

function hvacPart(a: HvacAsset, state: AssetState | undefined): Part {
  const h = hvacHeadroom(a, state);
  if (h === undefined) return NONE;
  const off = h.powerKw <= 0;
  return {
    decreaseKw: h.curtailableKw,
    decreaseH: h.hoursToEdgeOff,
    increaseKw: off && h.hoursToEdgeOn > 0 ? a.ratedKw : 0,
    increaseH: h.hoursToEdgeOn,
  };
}

/** Sums the kW; the duration is the shortest among the parts that offer something ("all of it"). */
function combine(parts: readonly Part[]): FlexibilityEnvelope {
  let decreaseKw = 0;
  let increaseKw = 0;
  let decreaseS = FLEXIBILITY_HORIZON_S;
  let increaseS = FLEXIBILITY_HORIZON_S;
  for (const p of parts) {
    if (p.decreaseKw > 0) {
      decreaseKw += p.decreaseKw;
      decreaseS = Math.min(decreaseS, p.decreaseH * 3600);
    }
    if (p.increaseKw > 0) {
      increaseKw += p.increaseKw;
      increaseS = Math.min(increaseS, p.increaseH * 3600);
    }
  }
  return { decreaseKw, decreaseDurationS: decreaseKw > 0 ? decreaseS : 0, increaseKw, increaseDurationS: increaseKw > 0 ? increaseS : 0 };
}

/** Two envelopes as one: kW add, and all of it is held only as long as the shorter part. */
export function addEnvelopes(a: FlexibilityEnvelope, b: FlexibilityEnvelope): FlexibilityEnvelope {
  const dur = (ka: number, da: number, kb: number, db: number): number =>
    ka > 0 && kb > 0 ? Math.min(da, db) : ka > 0 ? da : kb > 0 ? db : 0;
  return {
    decreaseKw: a.decreaseKw + b.decreaseKw,
    decreaseDurationS: dur(a.decreaseKw, a.decreaseDurationS, b.decreaseKw, b.decreaseDurationS),
    increaseKw: a.increaseKw + b.increaseKw,
    increaseDurationS: dur(a.increaseKw, a.increaseDurationS, b.increaseKw, b.increaseDurationS),
  };
}

/** The whole envelope of a site: batteries, EV chargers and HVAC units. */
export function siteFlexibility(
  site: Site,
  states: Readonly<Record<string, AssetState>>,
  sessions: Readonly<Record<string, EvSession>> | undefined,
  atMs: number,
): FlexibilityEnvelope {
  const batteries = site.assets.flatMap((a) => (a.kind === 'battery' ? [{ asset: a, state: states[a.id] }] : []));
  return addEnvelopes(batteryFlexibility(batteries), flexLoadFlexibility(site.assets, states, sessions, atMs));
}

