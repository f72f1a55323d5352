import { usable, type AssetState, type BatteryAsset } from '../domain/index.js';

/**
 * What one available battery can do from now, load convention. Shared by the flexibility
 * envelope and the controllers, so both read the same limits.
 */
export interface BatteryHeadroom {
  readonly assetId: string;
  /** Current power: > 0 charging, < 0 discharging. */
  readonly powerKw: number;
  readonly socPct: number;
  /** Stored energy above the enrolled floor / room below the ceiling, kWh (>= 0). */
  readonly energyAboveFloorKwh: number;
  readonly energyBelowCeilingKwh: number;
  /** Largest discharge / charge power allowed now, kW (>= 0); 0 at the floor / ceiling. */
  readonly dischargeLimitKw: number;
  readonly chargeLimitKw: number;
}

/**
 * The headroom of a battery, or undefined when it is unavailable (power or SoC not good):
 * a battery we cannot see has no headroom, never a headroom computed from 0.
 * A `good` availableDischargeKw / availableChargeKw from the BMS narrows the rated limits.
 */
export function batteryHeadroom(asset: BatteryAsset, state: AssetState | undefined): BatteryHeadroom | undefined {
  if (state === undefined || !state.available) return undefined;
  const powerKw = usable(state.readings.powerKw);
  const socPct = usable(state.readings.socPct);
  if (powerKw === undefined || socPct === undefined) return undefined;
  const energyAboveFloorKwh = Math.max(0, ((socPct - asset.minSocPct) / 100) * asset.capacityKwh);
  const energyBelowCeilingKwh = Math.max(0, ((asset.maxSocPct - socPct) / 100) * asset.capacityKwh);
  // At or beyond a bound the limit is 0: never discharge at/below the floor, never charge
  // at/above the ceiling.
  const dischargeLimitKw =
    socPct <= asset.minSocPct ? 0 : narrowed(asset.maxDischargeKw, usable(state.readings.availableDischargeKw));
  const chargeLimitKw =
    socPct >= asset.maxSocPct ? 0 : narrowed(asset.maxChargeKw, usable(state.readings.availableChargeKw));
  return {
    assetId: asset.id,
    powerKw,
    socPct,
    energyAboveFloorKwh,
    energyBelowCeilingKwh,
    dischargeLimitKw,
    chargeLimitKw,
  };
}

function narrowed(ratedKw: number, bmsKw: number | undefined): number {
  return Math.max(0, bmsKw === undefined ? ratedKw : Math.min(ratedKw, bmsKw));
}
