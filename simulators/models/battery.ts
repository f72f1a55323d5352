import { Actuator, type ActuatorSegment } from './actuator.js';
import { flowTowardsBound, taperLimitKw, type FlowLimits } from './battery-energy.js';
import { checkBatteryFallback, type BatteryRevertFallback } from './battery-fallback.js';
import { CompensatedSum } from './compensated-sum.js';
import type { PowerModel } from './power-model.js';
import { finiteNumber, invalidOption, nonEmptyString, nonNegativeNumber, numberInRange, positiveNumber } from './validate.js';

export interface BatteryModelOptions {
  readonly id: string;
  readonly startMs: number;
  readonly capacityKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly socPct: number;
  readonly minSocPct: number;
  readonly maxSocPct: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  /** SoC distance (percentage points) from a bound over which power tapers to 0 (battery-energy.ts). Default none. */
  readonly taperPct?: number;
  /** State after a revert timer runs out. Default idle. */
  readonly fallback?: BatteryRevertFallback;
  /** Seconds from a command until the inverter follows it. Default 0. */
  readonly responseDelayS?: number;
  /** Largest change of the power setpoint, kW/s. Default 0 = no limit. */
  readonly rampKwPerS?: number;
  readonly field?: string;
}

const REVERT_TAG = 'revert';

/**
 * A battery that follows a power command (load convention: + charges). Energy changes by
 * (charge × chargeEfficiency − discharge / dischargeEfficiency) × dt (CONTRACTS.md), kept within
 * [minSocPct, maxSocPct] of capacity by cutting power within the step, or by the taper.
 * The command passes through an Actuator (delay, ramp); a ramp is booked at its mean power.
 */
export class BatteryModel implements PowerModel {
  readonly id: string;
  readonly kind = 'battery' as const;
  readonly capacityKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly minSocPct: number;
  readonly maxSocPct: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  readonly taperPct: number;
  readonly fallback: BatteryRevertFallback;
  private readonly minKwh: number;
  private readonly maxKwh: number;
  private readonly taperKwh: number;
  private readonly setpoint: Actuator;
  private atMs: number;
  private readonly stored: CompensatedSum;
  private revertAtMs: number | null = null;
  private readonly charged = new CompensatedSum();
  private readonly discharged = new CompensatedSum();

  constructor(opts: BatteryModelOptions) {
    const f = opts.field ?? 'battery';
    this.id = nonEmptyString(`${f}.id`, opts.id);
    this.atMs = finiteNumber(`${f}.startMs`, opts.startMs);
    this.capacityKwh = positiveNumber(`${f}.capacityKwh`, opts.capacityKwh);
    this.maxChargeKw = nonNegativeNumber(`${f}.maxChargeKw`, opts.maxChargeKw);
    this.maxDischargeKw = nonNegativeNumber(`${f}.maxDischargeKw`, opts.maxDischargeKw);
    this.minSocPct = numberInRange(`${f}.minSocPct`, opts.minSocPct, 0, 100);
    this.maxSocPct = numberInRange(`${f}.maxSocPct`, opts.maxSocPct, this.minSocPct, 100);
    const soc = numberInRange(`${f}.socPct`, opts.socPct, this.minSocPct, this.maxSocPct);
    this.chargeEfficiency = numberInRange(`${f}.chargeEfficiency`, opts.chargeEfficiency, Number.MIN_VALUE, 1);
    this.dischargeEfficiency = numberInRange(`${f}.dischargeEfficiency`, opts.dischargeEfficiency, Number.MIN_VALUE, 1);
    this.taperPct = numberInRange(`${f}.taperPct`, opts.taperPct ?? 0, 0, 100);
    this.fallback = checkBatteryFallback(`${f}.fallback`, opts.fallback ?? { kind: 'idle' });
    this.minKwh = (this.minSocPct / 100) * this.capacityKwh;
    this.maxKwh = (this.maxSocPct / 100) * this.capacityKwh;
    this.taperKwh = (this.taperPct / 100) * this.capacityKwh;
    this.stored = new CompensatedSum((soc / 100) * this.capacityKwh);
    const ramp = { responseDelayS: opts.responseDelayS ?? 0, rampPerS: opts.rampKwPerS ?? 0 };
    nonNegativeNumber(`${f}.rampKwPerS`, ramp.rampPerS);
    this.setpoint = new Actuator(this.atMs, 0, ramp, f);
  }

  nowMs(): number {
    return this.atMs;
  }

  /**
   * Sets the power to follow (after the response delay). With `revertS` > 0 the battery goes to
   * its fallback when that much sim time passes without another command (a dead controller
   * leaves it safe); the timer runs from receipt, like SunSpec's RvrtTms.
   */
  command(powerKw: number, revertS: number | null = null): void {
    finiteNumber(`${this.id}: command powerKw`, powerKw);
    if (revertS !== null) nonNegativeNumber(`${this.id}: command revertS`, revertS);
    this.setpoint.cancel(REVERT_TAG);
    this.setpoint.command(powerKw);
    this.revertAtMs = revertS !== null && revertS > 0 ? this.atMs + revertS * 1000 : null;
    if (this.revertAtMs !== null) this.setpoint.schedule(this.fallbackKw(powerKw), this.revertAtMs, REVERT_TAG);
  }

  /** The setpoint the inverter is moving to now: the fallback's once the revert time has passed. */
  commandedKw(): number {
    return this.setpoint.target();
  }

  /** The setpoint the inverter follows at this instant (ramping towards commandedKw()). */
  setpointKw(): number {
    return this.setpoint.output();
  }

  /** True when the last command's revert timer ran out before a new command came. */
  reverted(): boolean {
    return this.revertAtMs !== null && this.atMs >= this.revertAtMs;
  }

  /** The setpoint clamped to power limits and the taper; 0 when SoC sits on the bound it pushes against. */
  powerKw(): number {
    const p = this.limitedKw(this.setpoint.output());
    if (p > 0) return Math.min(p, taperLimitKw(this.limits(true)));
    if (p < 0) {
      const kw = Math.min(-p, taperLimitKw(this.limits(false)));
      return kw === 0 ? 0 : -kw;
    }
    return 0;
  }

  /** Largest charge power available now, kW (taper and full bound included). */
  availableChargeKw(): number {
    return taperLimitKw(this.limits(true));
  }

  /** Largest discharge power available now, kW (>= 0). */
  availableDischargeKw(): number {
    return taperLimitKw(this.limits(false));
  }

  socPct(): number {
    return (this.stored.value() / this.capacityKwh) * 100;
  }

  energyStoredKwh(): number {
    return this.stored.value();
  }

  /** AC energy taken from the bus while charging, kWh. */
  energyChargedKwh(): number {
    return this.charged.value();
  }

  /** AC energy delivered to the bus while discharging, kWh. */
  energyDischargedKwh(): number {
    return this.discharged.value();
  }

  step(dtS: number): number {
    if (!Number.isFinite(dtS) || dtS < 0) throw invalidOption(`${this.id}: step dtS`, 'must be a finite number >= 0', dtS);
    if (dtS === 0) return this.powerKw();
    const endMs = this.atMs + dtS * 1000;
    let energyKwh = 0;
    // Revert times and delayed commands split the step: the actuator returns one piece each.
    for (const seg of this.setpoint.advance(dtS)) energyKwh += this.apply(seg);
    this.atMs = endMs;
    return (energyKwh * 3600) / dtS;
  }

  private fallbackKw(commandKw: number): number {
    const fb = this.fallback;
    if (fb.kind === 'idle') return 0;
    if (fb.kind === 'powerKw') return fb.powerKw;
    return Math.max((-fb.pct / 100) * this.maxDischargeKw, Math.min((fb.pct / 100) * this.maxChargeKw, commandKw));
  }

  private limitedKw(powerKw: number): number {
    return Math.max(-this.maxDischargeKw, Math.min(this.maxChargeKw, powerKw));
  }

  private limits(charging: boolean): FlowLimits {
    const e = this.stored.value();
    return charging
      ? { maxKw: this.maxChargeKw, efficiency: this.chargeEfficiency, roomKwh: Math.max(0, this.maxKwh - e), taperKwh: this.taperKwh }
      : { maxKw: this.maxDischargeKw, efficiency: this.dischargeEfficiency, roomKwh: Math.max(0, e - this.minKwh), taperKwh: this.taperKwh };
  }

  /** Runs one actuator piece (at its mean power) within the SoC bounds; returns the AC energy drawn (kWh, < 0 = delivered). */
  private apply(seg: ActuatorSegment): number {
    const dtH = seg.durationS / 3600;
    const p = this.limitedKw((seg.fromValue + seg.toValue) / 2);
    if (dtH <= 0 || p === 0) return 0;
    const charging = p > 0;
    const flow = flowTowardsBound(Math.abs(p), dtH, charging, this.limits(charging));
    if (flow.acKwh === 0) return 0;
    // Snap to the bound so rounding can never carry SoC past it.
    if (flow.atBound) this.stored.set(charging ? this.maxKwh : this.minKwh);
    else this.stored.add(charging ? flow.storedDeltaKwh : -flow.storedDeltaKwh);
    (charging ? this.charged : this.discharged).add(flow.acKwh);
    return charging ? flow.acKwh : -flow.acKwh;
  }
}
