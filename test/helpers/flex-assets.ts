import type { AssetState, EvChargerAsset, HvacAsset, Reading } from '../../src/domain/index.js';
import { TEST_ASSET_BASE } from './assets.js';

/** A 22 kW three-phase charger (IEC 61851 minimum 6 A × 3 × 230 V = 4.14 kW). */
export function testEv(id: string, over: Partial<EvChargerAsset> = {}): EvChargerAsset {
  return { ...TEST_ASSET_BASE, id, kind: 'evCharger', maxKw: 22, minKw: 4.14, ...over };
}

/**
 * A 60 kW chiller at 24 ± 2 °C, hysteresis 1 °C, COP 3, R = 0.1 °C/kW and C = 10 kWh/°C
 * (τ = 1 h, round numbers for hand-worked tests), design outdoor 35 °C.
 */
export function testHvac(id: string, over: Partial<HvacAsset> = {}): HvacAsset {
  return {
    ...TEST_ASSET_BASE,
    id,
    kind: 'hvac',
    ratedKw: 60,
    setpointC: 24,
    comfortBandC: 2,
    thermalMode: 'cooling',
    hysteresisC: 1,
    cop: 3,
    thermalResistanceCPerKw: 0.1,
    thermalCapacityKwhPerC: 10,
    designOutdoorC: 35,
    ...over,
  };
}

const good = (value: number, atMs: number): Reading => ({ value, quality: 'good', atMs });

/** An asset state with every given reading good. */
export function goodState(assetId: string, kind: AssetState['kind'], values: Readonly<Record<string, number>>, atMs: number): AssetState {
  const readings = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, good(v, atMs)]));
  return { assetId, kind, readings, available: true };
}
