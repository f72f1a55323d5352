/**
 * The 1R1C room: C·dT/dt = (T_out − T)/R + Q, with C in kWh/°C, R in °C/kW, Q the net heat
 * into the room in kW (gains + heating − cooling), t in hours. For constant T_out and Q over an
 * interval it has the closed form T(t) = T∞ + (T0 − T∞)·e^(−t/τ), T∞ = T_out + R·Q, τ = R·C;
 * the functions here use it, so any step size integrates exactly.
 */
export interface ThermalPath {
  /** Temperature at the start, °C. */
  readonly startC: number;
  /** Where the temperature settles, °C. */
  readonly steadyC: number;
  /** τ = R·C, hours. */
  readonly tauH: number;
}

export function temperatureAfter(p: ThermalPath, hours: number): number {
  return p.steadyC + (p.startC - p.steadyC) * Math.exp(-hours / p.tauH);
}

/** Hours until the path reaches `levelC`, Infinity when it never does (0 when it starts there). */
export function hoursToReach(p: ThermalPath, levelC: number): number {
  const a = p.startC - p.steadyC;
  const b = levelC - p.steadyC;
  if (a === b) return 0;
  // Reached only if the level lies between the start and the steady state (exclusive of the latter).
  if (b === 0 || Math.sign(a) !== Math.sign(b) || Math.abs(b) > Math.abs(a)) return Infinity;
  return p.tauH * Math.log(a / b);
}

/** Hours within [0, hours] that the path spends strictly above `levelC` (it is monotonic). */
export function hoursAbove(p: ThermalPath, hours: number, levelC: number): number {
  const endC = temperatureAfter(p, hours);
  const startAbove = p.startC > levelC;
  const endAbove = endC > levelC;
  if (startAbove && endAbove) return hours;
  if (!startAbove && !endAbove) return 0;
  const cross = Math.min(hours, hoursToReach(p, levelC));
  return startAbove ? cross : hours - cross;
}

/** Hours within [0, hours] that the path spends strictly below `levelC`. */
export function hoursBelow(p: ThermalPath, hours: number, levelC: number): number {
  return hoursAbove({ startC: -p.startC, steadyC: -p.steadyC, tauH: p.tauH }, hours, -levelC);
}
