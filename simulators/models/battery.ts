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
  readonly field?: string;
}

/**
 * A battery that follows a power command (load convention: + charges). Energy changes by
 * (charge × chargeEfficiency − discharge / dischargeEfficiency) × dt (CONTRACTS.md), kept within
 * [minSocPct, maxSocPct] of capacity by cutting power within the step. No taper yet.
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
  private readonly minKwh: number;
  private readonly maxKwh: number;
  private atMs: number;
  private storedKwh: number;
  private commandKw = 0;
  private revertAtMs: number | null = null;
  private chargedKwh = 0;
  private dischargedKwh = 0;

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
    this.minKwh = (this.minSocPct / 100) * this.capacityKwh;
    this.maxKwh = (this.maxSocPct / 100) * this.capacityKwh;
    this.storedKwh = (soc / 100) * this.capacityKwh;
  }

  nowMs(): number {
    return this.atMs;
  }

  /**
   * Sets the power to follow from now on. With `revertS` > 0 the battery falls back to idle
   * when that much sim time passes without another command (a dead controller leaves it safe).
   */
  command(powerKw: number, revertS: number | null = null): void {
    finiteNumber(`${this.id}: command powerKw`, powerKw);
    if (revertS !== null) nonNegativeNumber(`${this.id}: command revertS`, revertS);
    this.commandKw = powerKw;
    this.revertAtMs = revertS !== null && revertS > 0 ? this.atMs + revertS * 1000 : null;
  }

  /** The command in force now: 0 once its revert time has passed. */
  commandedKw(): number {
    return this.reverted() ? 0 : this.commandKw;
  }

  /** True when the last command's revert timer ran out before a new command came. */
  reverted(): boolean {
    return this.revertAtMs !== null && this.atMs >= this.revertAtMs;
  }

  /** The command clamped to power limits, and to 0 when SoC already sits on the bound it pushes against. */
  powerKw(): number {
    const p = this.limitedKw(this.commandedKw());
    if (p > 0 && this.storedKwh >= this.maxKwh) return 0;
    if (p < 0 && this.storedKwh <= this.minKwh) return 0;
    return p;
  }

  socPct(): number {
    return (this.storedKwh / this.capacityKwh) * 100;
  }

  energyStoredKwh(): number {
    return this.storedKwh;
  }

  /** AC energy taken from the bus while charging, kWh. */
  energyChargedKwh(): number {
    return this.chargedKwh;
  }

  /** AC energy delivered to the bus while discharging, kWh. */
  energyDischargedKwh(): number {
    return this.dischargedKwh;
  }

  step(dtS: number): number {
    if (!Number.isFinite(dtS) || dtS < 0) throw invalidOption(`${this.id}: step dtS`, 'must be a finite number >= 0', dtS);
    if (dtS === 0) return this.powerKw();
    const endMs = this.atMs + dtS * 1000;
    let energyKwh = 0;
    // A revert that falls inside the step splits it: command before, idle after.
    if (this.revertAtMs !== null && this.revertAtMs > this.atMs && this.revertAtMs < endMs) {
      const firstS = (this.revertAtMs - this.atMs) / 1000;
      energyKwh += this.apply(this.commandKw, firstS);
      this.atMs = this.revertAtMs;
    }
    energyKwh += this.apply(this.commandedKw(), (endMs - this.atMs) / 1000);
    this.atMs = endMs;
    return (energyKwh * 3600) / dtS;
  }

  private limitedKw(powerKw: number): number {
    return Math.max(-this.maxDischargeKw, Math.min(this.maxChargeKw, powerKw));
  }

  /** Runs `powerKw` for `dtS` within the SoC bounds; returns the AC energy drawn (kWh, < 0 = delivered). */
  private apply(powerKw: number, dtS: number): number {
    const dtH = dtS / 3600;
    const p = this.limitedKw(powerKw);
    if (dtH <= 0 || p === 0) return 0;
    if (p > 0) {
      const roomKwh = Math.max(0, this.maxKwh - this.storedKwh);
      const atBound = p * this.chargeEfficiency * dtH >= roomKwh;
      const kw = atBound ? roomKwh / (this.chargeEfficiency * dtH) : p;
      // Snap to the bound so rounding can never carry SoC past it.
      this.storedKwh = atBound ? Math.max(this.storedKwh, this.maxKwh) : this.storedKwh + kw * this.chargeEfficiency * dtH;
      this.chargedKwh += kw * dtH;
      return kw * dtH;
    }
    const availKwh = Math.max(0, this.storedKwh - this.minKwh);
    const atBound = (-p / this.dischargeEfficiency) * dtH >= availKwh;
    const kw = atBound ? (availKwh * this.dischargeEfficiency) / dtH : -p;
    this.storedKwh = atBound ? Math.min(this.storedKwh, this.minKwh) : this.storedKwh - (kw / this.dischargeEfficiency) * dtH;
    this.dischargedKwh += kw * dtH;
    return -kw * dtH;
  }
}
