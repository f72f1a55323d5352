import { usable, type AssetState, type EvChargerAsset, type EvSession } from '../domain/index.js';

/** Default for EvChargerAsset.departureMarginS. */
export const EV_DEPARTURE_MARGIN_S = 900;

/**
 * What one available EV charger can do from now, load convention (charging > 0). Shared by the
 * flexibility envelope and the controllers, so both apply the same departure rule.
 */
export interface EvHeadroom {
  readonly assetId: string;
  readonly powerKw: number;
  readonly connected: boolean;
  /** The session in force; undefined when the car's needs are unknown (it is then not curtailed). */
  readonly session: EvSession | undefined;
  /** Energy still wanted, kWh (>= 0). */
  readonly remainingKwh: number;
  /** Hours until departure less the margin (<= 0: due now). */
  readonly hoursLeft: number;
  /**
   * The least power that still delivers the energy by departure, kW:
   * remaining / hoursLeft, raised to minKw (a car takes nothing between a pause and 6 A),
   * at most maxKw; maxKw when the departure is due; 0 when nothing is wanted. With an unknown
   * session: maxKw (charged as uncontrolled).
   */
  readonly floorKw: number;
  /** The most it may draw now, kW: maxKw while a car wants energy, else 0. */
  readonly ceilingKw: number;
}

/**
 * The headroom of an EV charger, or undefined while it is unavailable (power or connected not
 * good): a charger we cannot see is left to its own (uncontrolled) behaviour.
 */
export function evHeadroom(
  asset: EvChargerAsset,
  state: AssetState | undefined,
  session: EvSession | undefined,
  atMs: number,
): EvHeadroom | undefined {
  if (state === undefined || !state.available) return undefined;
  const powerKw = usable(state.readings.powerKw);
  const connectedValue = usable(state.readings.connected);
  if (powerKw === undefined || connectedValue === undefined) return undefined;
  const connected = connectedValue >= 0.5;
  const base = { assetId: asset.id, powerKw, connected };
  if (!connected) return { ...base, session: undefined, remainingKwh: 0, hoursLeft: 0, floorKw: 0, ceilingKw: 0 };
  if (session === undefined) {
    return { ...base, session, remainingKwh: Number.NaN, hoursLeft: Number.NaN, floorKw: asset.maxKw, ceilingKw: asset.maxKw };
  }
  const marginS = asset.departureMarginS ?? EV_DEPARTURE_MARGIN_S;
  const remainingKwh = Math.max(0, session.energyNeededKwh - session.deliveredKwh);
  const hoursLeft = (session.departsAtMs - marginS * 1000 - atMs) / 3.6e6;
  return { ...base, session, remainingKwh, hoursLeft, floorKw: evFloorKw(asset, remainingKwh, hoursLeft), ceilingKw: remainingKwh > 0 ? asset.maxKw : 0 };
}

/** See EvHeadroom.floorKw. */
export function evFloorKw(asset: EvChargerAsset, remainingKwh: number, hoursLeft: number): number {
  if (remainingKwh <= 0) return 0;
  if (hoursLeft <= 0) return asset.maxKw;
  return Math.min(asset.maxKw, Math.max(asset.minKw, remainingKwh / hoursLeft));
}
