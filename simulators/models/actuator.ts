import { finiteNumber, invalidOption, nonNegativeNumber } from './validate.js';

export interface ActuatorOptions {
  /** Seconds from a command until the device starts to follow it. Default 0 (at once). */
  readonly responseDelayS?: number;
  /** Largest change of the output per second, in the output's unit. Default 0 = no limit (jumps). */
  readonly rampPerS?: number;
}

/** A piece of the output's path over a step: linear from `fromValue` to `toValue`. */
export interface ActuatorSegment {
  readonly startMs: number;
  readonly durationS: number;
  readonly fromValue: number;
  readonly toValue: number;
}

interface PendingTarget {
  readonly atMs: number;
  readonly value: number;
  readonly tag: string;
}

/**
 * How a real device follows a setpoint: a command takes effect `responseDelayS` later (inverters
 * take 0.2-2 s) and the output then moves towards it at most `rampPerS`. Targets wait in a queue
 * ordered by the time they take effect; the owner may also queue its own (a revert timer) under
 * a tag it can cancel. Pure: time moves only through advance().
 */
export class Actuator {
  readonly responseDelayS: number;
  readonly rampPerS: number;
  private atMs: number;
  private out: number;
  private goal: number;
  private queue: PendingTarget[] = [];

  constructor(startMs: number, initial: number, opts: ActuatorOptions = {}, field = 'actuator') {
    this.atMs = finiteNumber(`${field}.startMs`, startMs);
    this.out = finiteNumber(`${field}.initial`, initial);
    this.goal = this.out;
    this.responseDelayS = nonNegativeNumber(`${field}.responseDelayS`, opts.responseDelayS ?? 0);
    this.rampPerS = nonNegativeNumber(`${field}.rampPerS`, opts.rampPerS ?? 0);
  }

  nowMs(): number {
    return this.atMs;
  }

  /** The output now. */
  output(): number {
    this.settle();
    return this.out;
  }

  /** The target the output is moving to now (commands still in their delay not included). */
  target(): number {
    this.settle();
    return this.goal;
  }

  /** The value of the newest queued target, or the current target when none waits. */
  latestTarget(): number {
    const last = this.queue[this.queue.length - 1];
    return last === undefined ? this.target() : last.value;
  }

  /** A command received now: it takes effect after the response delay. */
  command(value: number): void {
    this.schedule(value, this.atMs + this.responseDelayS * 1000, 'command');
  }

  /** Queues `value` to become the target at `atMs` (>= now), after any target queued for the same time. */
  schedule(value: number, atMs: number, tag: string): void {
    finiteNumber('actuator value', value);
    if (!Number.isFinite(atMs) || atMs < this.atMs) throw invalidOption('actuator atMs', `must be >= now (${this.atMs})`, atMs);
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1]?.atMs ?? -Infinity) > atMs) i--;
    this.queue.splice(i, 0, { atMs, value, tag });
    this.settle();
  }

  /** Drops every queued target with `tag` (a revert timer superseded by a fresh command). */
  cancel(tag: string): void {
    this.queue = this.queue.filter((p) => p.tag !== tag);
  }

  /** Moves time forward by dtS seconds; returns the output's path over the step, in order. */
  advance(dtS: number): ActuatorSegment[] {
    if (!Number.isFinite(dtS) || dtS < 0) throw invalidOption('actuator dtS', 'must be a finite number >= 0', dtS);
    const endMs = this.atMs + dtS * 1000;
    const segments: ActuatorSegment[] = [];
    while (this.atMs < endMs) {
      this.settle();
      const nextEventMs = Math.min(endMs, this.queue[0]?.atMs ?? Infinity);
      const from = this.out;
      let segEndMs = nextEventMs;
      let to = this.goal;
      if (from !== this.goal && this.rampPerS > 0) {
        const reachMs = this.atMs + (Math.abs(this.goal - from) / this.rampPerS) * 1000;
        if (reachMs < nextEventMs) segEndMs = reachMs;
        else to = from + Math.sign(this.goal - from) * this.rampPerS * ((segEndMs - this.atMs) / 1000);
      }
      if (segEndMs <= this.atMs) {
        // A ramp too short to move the clock (below float resolution): finish it at once.
        this.out = to;
        continue;
      }
      segments.push({ startMs: this.atMs, durationS: (segEndMs - this.atMs) / 1000, fromValue: from, toValue: to });
      this.out = to;
      this.atMs = segEndMs;
    }
    this.atMs = endMs;
    this.settle();
    return segments;
  }

  /** Applies every queued target due by now. Without a ramp the output jumps to it. */
  private settle(): void {
    while (this.queue.length > 0 && (this.queue[0]?.atMs ?? Infinity) <= this.atMs) {
      const p = this.queue.shift();
      if (p !== undefined) this.goal = p.value;
    }
    if (this.rampPerS === 0) this.out = this.goal;
  }
}
