import type { BatteryAsset } from '../../src/domain/index.js';

/** Binding, staleness and poll fields every test asset needs. */
export const TEST_ASSET_BASE = { binding: 'modbus://127.0.0.1:1/1', staleAfterS: 10, pollIntervalS: 1 } as const;

/** A 500 kWh / 250 kW battery, 10–95 % SoC, 0.95 efficiencies; `over` changes any field. */
export function testBattery(id: string, over: Partial<BatteryAsset> = {}): BatteryAsset {
  return {
    ...TEST_ASSET_BASE,
    id,
    kind: 'battery',
    capacityKwh: 500,
    maxChargeKw: 250,
    maxDischargeKw: 250,
    minSocPct: 10,
    maxSocPct: 95,
    chargeEfficiency: 0.95,
    dischargeEfficiency: 0.95,
    ...over,
  };
}
