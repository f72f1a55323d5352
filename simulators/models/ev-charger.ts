import { VppError } from '../../src/domain/index.js';
import { Actuator, type ActuatorSegment } from './actuator.js';
import { CompensatedSum } from './compensated-sum.js';
import { EvSessionPlan, type DailyEvSessions, type EvChargingSession } from './ev-sessions.js';
import type { PowerModel } from './power-model.js';
import { finiteNumber, nonEmptyString, nonNegativeNumber, numberInRange, positiveNumber } from './validate.js';

export interface EvChargerModelOptions {
  readonly id: string;
  readonly timezone: string;
  readonly startMs: number;
  /** Largest charging power, kW; maxA = maxKw × 1000 / (phases × voltageV). */
  readonly maxKw: number;
  /** 1 or 3. Default 3. */
  readonly phases?: 1 | 3;
  /** Phase-to-neutral voltage, V. Default 230. */
  readonly voltageV?: number;
  /** Lowest current a car accepts while charging (IEC 61851: 6 A). Default 6. */
  readonly minA?: number;
  /** Daily visits in the site's local time ... */
  readonly arrives?: string;
  readonly departs?: string;
  readonly energyNeededKwh?: number;
  /** ... or explicit visits (then arrives/departs/energyNeededKwh are not used). */
  readonly sessions?: readonly EvChargingSession[];
  /** Seconds from a current command until the charger follows it. Default 0. */
  readonly responseDelayS?: number;
  /** Largest change of the charging power, kW/s. Default 0 = no limit. */
  readonly rampKwPerS?: number;
  readonly field?: string;
}

const REVERT_TAG = 'revert';

/**
 * An EV charger with one car coming and going. Uncommanded (and after a revert) it charges at
 * maxKw from arrival until the session's energy is in, the uncontrolled case of CONTRACTS.md.
 * A session that began before startMs counts as plugged in at the start, needing all its energy.
 * A ramp is booked at its mean power.
 */
export class EvChargerModel implements PowerModel {
  readonly id: string;
  readonly kind = 'evCharger' as const;
  readonly maxKw: number;
  readonly phases: 1 | 3;
  readonly voltageV: number;
  readonly minA: number;
  readonly maxA: number;
  private readonly plan: EvSessionPlan;
  private readonly current: Actuator;
  private atMs: number;
  private session: EvChargingSession | null;
  private sessionKwh = 0;
  private revertAtMs: number | null = null;
  private commandA: number | null = null;
  private readonly delivered = new CompensatedSum();
  private readonly short = new CompensatedSum();
  private departed = 0;

  constructor(opts: EvChargerModelOptions) {
    const f = opts.field ?? 'evCharger';
    this.id = nonEmptyString(`${f}.id`, opts.id);
    this.atMs = finiteNumber(`${f}.startMs`, opts.startMs);
    this.maxKw = positiveNumber(`${f}.maxKw`, opts.maxKw);
    this.phases = opts.phases ?? 3;
    if (this.phases !== 1 && this.phases !== 3) throw new VppError('SIM_OPTION_INVALID', `${f}.phases must be 1 or 3, got ${String(opts.phases)}`);
    this.voltageV = positiveNumber(`${f}.voltageV`, opts.voltageV ?? 230);
    this.maxA = (this.maxKw * 1000) / (this.phases * this.voltageV);
    this.minA = numberInRange(`${f}.minA`, opts.minA ?? 6, Number.MIN_VALUE, this.maxA);
    const source = opts.sessions !== undefined
      ? { sessions: opts.sessions }
      : { daily: { arrives: opts.arrives, departs: opts.departs, energyNeededKwh: opts.energyNeededKwh } as DailyEvSessions };
    this.plan = new EvSessionPlan(source, opts.timezone, f);
    this.session = this.plan.sessionAfter(this.atMs);
    const ramp = nonNegativeNumber(`${f}.rampKwPerS`, opts.rampKwPerS ?? 0);
    this.current = new Actuator(this.atMs, this.maxKw, { responseDelayS: opts.responseDelayS ?? 0, rampPerS: ramp }, f);
  }

  nowMs(): number {
    return this.atMs;
  }

  /** True while a car is plugged in. */
  connected(): boolean {
    return this.session !== null && this.session.arrivesMs <= this.atMs;
  }

  /** Charging power now, kW: the charger's setting while a car that still needs energy is plugged in. */
  powerKw(): number {
    if (!this.connected() || this.sessionNeedKwh() <= 0) return 0;
    return this.current.output();
  }

  /**
   * Sets the charging current per phase: 0 (pause) or within [minA, maxA]; anything else is
   * refused. With `revertS` > 0 the charger returns to uncontrolled charging at maxKw when that
   * much sim time passes without another command.
   */
  setCurrentA(currentA: number, revertS: number | null = null): void {
    if (!Number.isFinite(currentA) || (currentA !== 0 && (currentA < this.minA || currentA > this.maxA + 1e-9))) {
      throw new VppError('SIM_COMMAND_INVALID', `${this.id}: currentA must be 0 or within [${this.minA}, ${this.maxA}] A, got ${currentA}`);
    }
    if (revertS !== null) nonNegativeNumber(`${this.id}: currentA revertS`, revertS);
    this.current.cancel(REVERT_TAG);
    this.current.command(Math.min(this.maxKw, this.kwFromA(currentA)));
    this.commandA = currentA;
    this.revertAtMs = revertS !== null && revertS > 0 ? this.atMs + revertS * 1000 : null;
    if (this.revertAtMs !== null) this.current.schedule(this.maxKw, this.revertAtMs, REVERT_TAG);
  }

  /** The current last commanded, A per phase; null when uncommanded or reverted. */
  commandedA(): number | null {
    return this.reverted() ? null : this.commandA;
  }

  reverted(): boolean {
    return this.revertAtMs !== null && this.atMs >= this.revertAtMs;
  }

  /** Energy delivered to cars since the start, kWh. */
  energyDeliveredKwh(): number {
    return this.delivered.value();
  }

  /** Energy delivered in the session under way, kWh (0 once the car has left). */
  sessionEnergyDeliveredKwh(): number {
    return this.sessionKwh;
  }

  /** Energy the departed cars still lacked when they left, summed over sessions, kWh. */
  energyShortKwh(): number {
    return this.short.value();
  }

  /** Sessions that have ended (the car left). */
  departedSessions(): number {
    return this.departed;
  }

  /** The session under way or next, null when none is left. */
  currentSession(): EvChargingSession | null {
    return this.session;
  }

  step(dtS: number): number {
    finiteNumber(`${this.id}: step dtS`, dtS);
    nonNegativeNumber(`${this.id}: step dtS`, dtS);
    if (dtS === 0) return this.powerKw();
    let kwh = 0;
    for (const seg of this.current.advance(dtS)) kwh += this.runSegment(seg);
    this.delivered.add(kwh);
    this.atMs += dtS * 1000;
    return (kwh * 3600) / dtS;
  }

  private kwFromA(a: number): number {
    return (a * this.phases * this.voltageV) / 1000;
  }

  private sessionNeedKwh(): number {
    return this.session === null ? 0 : this.session.energyNeededKwh - this.sessionKwh;
  }

  /** Charges over one actuator piece, split at arrivals and departures; returns kWh. */
  private runSegment(seg: ActuatorSegment): number {
    const endMs = seg.startMs + seg.durationS * 1000;
    const slopePerMs = seg.durationS > 0 ? (seg.toValue - seg.fromValue) / (endMs - seg.startMs) : 0;
    let kwh = 0;
    for (let t = seg.startMs; t < endMs && this.session !== null; ) {
      const s = this.session;
      if (t < s.arrivesMs) {
        t = Math.min(endMs, s.arrivesMs);
        continue;
      }
      const next = Math.min(endMs, s.departsMs);
      const meanKw = seg.fromValue + slopePerMs * ((t + next) / 2 - seg.startMs);
      const e = Math.min(Math.max(0, meanKw) * ((next - t) / 3_600_000), Math.max(0, this.sessionNeedKwh()));
      this.sessionKwh += e;
      kwh += e;
      if (next === s.departsMs) {
        this.short.add(Math.max(0, this.sessionNeedKwh()));
        this.departed++;
        this.session = this.plan.sessionAfter(s.departsMs);
        this.sessionKwh = 0;
      }
      t = next;
    }
    return kwh;
  }
}
