import { atLeast, finite, invalidInput } from './validate.js';

/**
 * A programme's rate. `energy`: paid per kWh delivered over the window (an event-based energy
 * payment). `capacity`: paid per kW of mean delivered load over the window (a capacity payment
 * for the event, as 需求响应 subsidies in China are commonly quoted in 元/kW per response).
 * A penalty applies only when the rate sets one, on the shortfall of non-compliant intervals.
 */
export type Rate =
  | { readonly kind: 'energy'; readonly pricePerKwh: number; readonly penaltyPerKwh?: number }
  | { readonly kind: 'capacity'; readonly pricePerKw: number; readonly penaltyPerKw?: number };

export interface Settlement {
  readonly basis: 'energy' | 'capacity';
  /** Rate × max(0, delivered): an event that made import worse earns nothing, and pays nothing for it. */
  readonly paymentAmount: number;
  readonly penaltyAmount: number;
  readonly netAmount: number;
}

export interface SettlementQuantities {
  readonly deliveredKwh: number;
  readonly meanDeliveredKw: number;
  readonly shortfallKwh: number;
  /** shortfallKwh spread over the whole window, kW. */
  readonly shortfallKw: number;
}

/** Throws a VppError naming the first unusable field of the rate. */
export function checkRate(rate: Rate): Rate {
  if (typeof rate !== 'object' || rate === null) throw invalidInput('rate', 'must be {kind, ...}', rate);
  if (rate.kind === 'energy') {
    finite('rate.pricePerKwh', rate.pricePerKwh);
    if (rate.penaltyPerKwh !== undefined) atLeast('rate.penaltyPerKwh', rate.penaltyPerKwh, 0);
  } else if (rate.kind === 'capacity') {
    finite('rate.pricePerKw', rate.pricePerKw);
    if (rate.penaltyPerKw !== undefined) atLeast('rate.penaltyPerKw', rate.penaltyPerKw, 0);
  } else {
    throw invalidInput('rate.kind', 'must be energy or capacity', (rate as { kind: unknown }).kind);
  }
  return rate;
}

export function settle(rate: Rate, q: SettlementQuantities): Settlement {
  const [paymentAmount, penaltyAmount] =
    rate.kind === 'energy'
      ? [rate.pricePerKwh * Math.max(0, q.deliveredKwh), (rate.penaltyPerKwh ?? 0) * q.shortfallKwh]
      : [rate.pricePerKw * Math.max(0, q.meanDeliveredKw), (rate.penaltyPerKw ?? 0) * q.shortfallKw];
  return { basis: rate.kind, paymentAmount, penaltyAmount, netAmount: paymentAmount - penaltyAmount };
}
