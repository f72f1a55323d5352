/**
 * Closed-form energy flow of a battery held at one power command for a while, within its SoC
 * bounds and the optional taper. Pure functions, so the law is written down once:
 *
 * Taper law (only where taperPct > 0): let `roomKwh` be the stored energy left to the bound the
 * power pushes against (max bound when charging, min bound when discharging) and
 * `taperKwh = taperPct / 100 × capacityKwh`. The largest power allowed in that direction is
 * `maxKw × min(1, roomKwh / taperKwh)`: full power outside the taper zone, falling linearly to 0
 * at the bound. Held against it, room decays exponentially (dRoom/dt = −k·room), so the bound is
 * approached but never crossed. Without a taper the power is cut within the step exactly when
 * the bound is reached.
 */
export interface EnergyFlow {
  /** Signed change of stored energy, kWh (the caller adds it). */
  readonly storedDeltaKwh: number;
  /** AC energy drawn (> 0, charging) or delivered (< 0, discharging), kWh. */
  readonly acKwh: number;
  /** True when the stored energy ends exactly on the bound (no taper only). */
  readonly atBound: boolean;
}

export interface FlowLimits {
  /** Largest power in this direction, kW (> 0). */
  readonly maxKw: number;
  /** Charge efficiency when charging, discharge efficiency when discharging. */
  readonly efficiency: number;
  /** Stored energy left before the bound in this direction, kWh (>= 0). */
  readonly roomKwh: number;
  /** 0 = no taper. */
  readonly taperKwh: number;
}

/** Stored energy that leaves the room per hour at AC power `kw`. */
function storedRateKwh(kw: number, charging: boolean, efficiency: number): number {
  return charging ? kw * efficiency : kw / efficiency;
}

/** The largest power allowed now in one direction (taper law above). */
export function taperLimitKw(lim: FlowLimits): number {
  if (lim.roomKwh <= 0) return 0;
  if (lim.taperKwh <= 0 || lim.roomKwh >= lim.taperKwh) return lim.maxKw;
  return (lim.maxKw * lim.roomKwh) / lim.taperKwh;
}

/**
 * Runs AC power magnitude `kw` (> 0, already within maxKw) for `dtH` hours towards the bound
 * `lim` describes. Returns magnitudes; `charging` picks how efficiency applies.
 */
export function flowTowardsBound(kw: number, dtH: number, charging: boolean, lim: FlowLimits): EnergyFlow {
  const eff = lim.efficiency;
  const toAc = (storedKwh: number): number => (charging ? storedKwh / eff : storedKwh * eff);
  if (kw <= 0 || dtH <= 0 || lim.roomKwh <= 0) return { storedDeltaKwh: 0, acKwh: 0, atBound: lim.roomKwh <= 0 };
  const rate = storedRateKwh(kw, charging, eff);
  if (lim.taperKwh <= 0) {
    if (rate * dtH < lim.roomKwh) return { storedDeltaKwh: rate * dtH, acKwh: kw * dtH, atBound: false };
    return { storedDeltaKwh: lim.roomKwh, acKwh: toAc(lim.roomKwh), atBound: true };
  }
  // Phase 1: full command until the taper limit falls to it, at room = kw / maxKw × taperKwh.
  const kneeKwh = (kw / lim.maxKw) * lim.taperKwh;
  let room = lim.roomKwh;
  let storedKwh = 0;
  let acKwh = 0;
  let restH = dtH;
  if (room > kneeKwh) {
    const phase1H = (room - kneeKwh) / rate;
    if (phase1H >= restH) return { storedDeltaKwh: rate * restH, acKwh: kw * restH, atBound: false };
    storedKwh += room - kneeKwh;
    acKwh += kw * phase1H;
    room = kneeKwh;
    restH -= phase1H;
  }
  // Phase 2: on the taper, power = maxKw × room / taperKwh, so room decays with rate k.
  const k = storedRateKwh(lim.maxKw, charging, eff) / lim.taperKwh;
  const left = room * Math.exp(-k * restH);
  storedKwh += room - left;
  acKwh += toAc(room - left);
  return { storedDeltaKwh: storedKwh, acKwh, atBound: false };
}
