import { usable, type AssetState, type HvacAsset } from '../domain/index.js';

/** The room counts as at its band edge this close to it, °C: the unit must then run. */
export const HVAC_EDGE_MARGIN_C = 0.1;

export interface HvacHeadroom {
  readonly assetId: string;
  readonly powerKw: number;
  readonly temperatureC: number;
  /** The band edge the room drifts to with the unit off (cooling: upper), °C. */
  readonly driftEdgeC: number;
  /** The edge it is driven to with the unit on (cooling: lower), °C. */
  readonly driveEdgeC: number;
  /** Within HVAC_EDGE_MARGIN_C of (or past) the drift edge: it must run, never curtailed. */
  readonly atEdge: boolean;
  /**
   * The setpoint that holds the unit off until the room reaches the drift edge, then lets the
   * thermostat run it (edge ∓ hysteresis/2): curtailed this way it never leaves the band, even
   * if the controller falls silent.
   */
  readonly curtailSetpointC: number;
  /** Power a curtailment frees now, kW: the running power, unless its thermostat would keep it on anyway. */
  readonly curtailableKw: number;
  /** Hours until the drift edge with the unit off (first-order model), capped by the caller. */
  readonly hoursToEdgeOff: number;
  /** Hours until the drive edge with the unit on (pre-cooling / pre-heating). */
  readonly hoursToEdgeOn: number;
}

/**
 * The headroom of an HVAC unit, or undefined while power or temperature is not good.
 *
 * The room is 1R1C (the simulator's model): T(t) = T∞ + (T0 − T∞)·e^(−t/τ), τ = R·C,
 * T∞ = T_out + R·(gains ∓ cop·P) (− cooling / + heating while running, P = 0 off). The time to
 * reach a level L is τ·ln((T0 − T∞)/(L − T∞)), infinite when L is not between T0 and T∞.
 * `outdoorC` defaults to the asset's design temperature: the hottest (coldest) day, so the
 * hold time of a curtailment is never overstated.
 */
export function hvacHeadroom(asset: HvacAsset, state: AssetState | undefined, outdoorC = asset.designOutdoorC): HvacHeadroom | undefined {
  if (state === undefined || !state.available) return undefined;
  const powerKw = usable(state.readings.powerKw);
  const temperatureC = usable(state.readings.temperatureC);
  if (powerKw === undefined || temperatureC === undefined) return undefined;
  // sign +1 cooling: the room warms toward the upper edge when the unit is off.
  const sign = asset.thermalMode === 'cooling' ? 1 : -1;
  const driftEdgeC = asset.setpointC + sign * asset.comfortBandC;
  const driveEdgeC = asset.setpointC - sign * asset.comfortBandC;
  const atEdge = sign * (temperatureC - driftEdgeC) >= -HVAC_EDGE_MARGIN_C;
  const curtailSetpointC = driftEdgeC - (sign * asset.hysteresisC) / 2;
  // With the curtail setpoint a running unit stops at edge ∓ hysteresis; closer than that it runs on.
  const stopsNow = sign * (temperatureC - (driftEdgeC - sign * asset.hysteresisC)) < 0;
  const curtailableKw = !atEdge && stopsNow && powerKw > 0 ? powerKw : 0;
  const r = asset.thermalResistanceCPerKw;
  const tauH = r * asset.thermalCapacityKwhPerC;
  const gains = asset.internalGainsKw ?? 0;
  const offSteadyC = outdoorC + r * gains;
  const onSteadyC = outdoorC + r * (gains - sign * asset.cop * asset.ratedKw);
  return {
    assetId: asset.id,
    powerKw,
    temperatureC,
    driftEdgeC,
    driveEdgeC,
    atEdge,
    curtailSetpointC,
    curtailableKw,
    hoursToEdgeOff: atEdge ? 0 : hoursToReach(temperatureC, offSteadyC, driftEdgeC, tauH),
    hoursToEdgeOn: sign * (temperatureC - driveEdgeC) <= 0 ? 0 : hoursToReach(temperatureC, onSteadyC, driveEdgeC, tauH),
  };
}

/**
 * First-order path from startC toward steadyC: hours to reach levelC, 0 when it starts there,
 * Infinity when the level is not between start and steady state (never reached; whether the
 * room is already past a band edge is the caller's check).
 */
export function hoursToReach(startC: number, steadyC: number, levelC: number, tauH: number): number {
  const a = startC - steadyC;
  const b = levelC - steadyC;
  if (a === b) return 0;
  if (b === 0 || Math.sign(a) !== Math.sign(b) || Math.abs(b) > Math.abs(a)) return Number.POSITIVE_INFINITY;
  return tauH * Math.log(a / b);
}
