import type { AssetKind } from './asset.js';
import type { Quality } from './quality.js';
import type { Metric, Reading } from './telemetry.js';

/** What is known of one asset now: its latest reading per metric, with staleness applied. */
export interface AssetState {
  readonly assetId: string;
  readonly kind: AssetKind;
  readonly readings: Readonly<Partial<Record<Metric, Reading>>>;
  /** True only while every reading the asset needs for dispatch is `good`. */
  readonly available: boolean;
}

/**
 * How far the site's grid power can move from now, and for how long. `decreaseKw` lowers
 * grid power (discharge, shed); `increaseKw` raises it (charge, valley fill). Both >= 0.
 */
export interface FlexibilityEnvelope {
  readonly decreaseKw: number;
  readonly decreaseDurationS: number;
  readonly increaseKw: number;
  readonly increaseDurationS: number;
}

/**
 * One car's charging session: when it was seen plugged in, what it has had, what it wants and
 * when it leaves (from the car via the device when reported, else the charger's defaults).
 */
export interface EvSession {
  readonly connectedAtMs: number;
  /** Energy delivered in this session so far, kWh. */
  readonly deliveredKwh: number;
  /** Energy the car wants in this session, kWh. */
  readonly energyNeededKwh: number;
  /** When the car leaves, epoch ms. */
  readonly departsAtMs: number;
  /** The charger's energy register when the session began (to count deliveredKwh), kWh; absent when the device reports deliveredKwh itself. */
  readonly energyAtConnectKwh?: number;
}

/**
 * A site's state: plain, serialisable (it will travel over MQTT between controller processes).
 * Aggregates follow the load convention; an aggregate whose inputs are not all good is not good.
 */
export interface SiteState {
  readonly siteId: string;
  readonly atMs: number;
  readonly gridPowerKw: Reading;
  readonly loadPowerKw?: Reading;
  readonly pvPowerKw?: Reading;
  readonly batteryPowerKw?: Reading;
  readonly batterySocPct?: Reading;
  /** Sum of the EV chargers' power, present when the site has EV chargers. */
  readonly evPowerKw?: Reading;
  /** Sum of the HVAC units' power, present when the site has HVAC units. */
  readonly hvacPowerKw?: Reading;
  /** The charging session under way per EV charger id (a car plugged in), when known. */
  readonly evSessions?: Readonly<Record<string, EvSession>>;
  readonly flexibility: FlexibilityEnvelope;
  readonly assets: Readonly<Record<string, AssetState>>;
}

/** The worst of several qualities: bad beats stale beats good. */
export function worstQuality(qualities: readonly Quality[]): Quality {
  if (qualities.includes('bad')) return 'bad';
  if (qualities.includes('stale')) return 'stale';
  return 'good';
}
