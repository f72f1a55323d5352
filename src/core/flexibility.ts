import type { AssetState, BatteryAsset, FlexibilityEnvelope } from '../domain/index.js';
import { batteryHeadroom } from './battery-headroom.js';

/**
 * Durations are capped at one day: "for ever" (a full battery that only has to stop
 * charging) cannot travel as JSON, and no DR event or planning horizon is longer.
 */
export const FLEXIBILITY_HORIZON_S = 86_400;

export const NO_FLEXIBILITY: FlexibilityEnvelope = {
  decreaseKw: 0,
  decreaseDurationS: 0,
  increaseKw: 0,
  increaseDurationS: 0,
};

/**
 * How far the available batteries can move grid power, and for how long all of it can be
 * held. Decrease = stop charging plus discharge to the limit (`dischargeLimitKw + powerKw`);
 * it lasts until the first battery reaches its floor at full discharge, the cells giving up
 * `P / dischargeEfficiency` (CONTRACTS.md physics). Increase likewise toward the ceiling, the
 * cells taking `P × chargeEfficiency`. Unavailable batteries offer nothing.
 */
export function batteryFlexibility(
  batteries: readonly { readonly asset: BatteryAsset; readonly state: AssetState | undefined }[],
): FlexibilityEnvelope {
  let decreaseKw = 0;
  let increaseKw = 0;
  let decreaseDurationS = FLEXIBILITY_HORIZON_S;
  let increaseDurationS = FLEXIBILITY_HORIZON_S;
  for (const { asset, state } of batteries) {
    const h = batteryHeadroom(asset, state);
    if (h === undefined) continue;
    const dec = Math.max(0, h.dischargeLimitKw + h.powerKw);
    const inc = Math.max(0, h.chargeLimitKw - h.powerKw);
    decreaseKw += dec;
    increaseKw += inc;
    if (dec > 0 && h.dischargeLimitKw > 0) {
      const hours = (h.energyAboveFloorKwh * asset.dischargeEfficiency) / h.dischargeLimitKw;
      decreaseDurationS = Math.min(decreaseDurationS, hours * 3600);
    }
    if (inc > 0 && h.chargeLimitKw > 0) {
      const hours = h.energyBelowCeilingKwh / (h.chargeLimitKw * asset.chargeEfficiency);
      increaseDurationS = Math.min(increaseDurationS, hours * 3600);
    }
  }
  return {
    decreaseKw,
    decreaseDurationS: decreaseKw > 0 ? decreaseDurationS : 0,
    increaseKw,
    increaseDurationS: increaseKw > 0 ? increaseDurationS : 0,
  };
}
