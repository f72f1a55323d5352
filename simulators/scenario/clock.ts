import { finiteNumber, invalidOption, nonNegativeNumber } from '../models/index.js';

export interface SimClockOptions {
  /** Sim time at the start, epoch ms (UTC). */
  readonly startMs: number;
  /** Sim seconds per wall second; 0 = the clock moves only through advance(). */
  readonly speed: number;
  /** Monotonic wall time in ms. Default performance.now(); tests and replay may pass their own. */
  readonly wallNowMs?: () => number;
}

/**
 * Simulated time: startMs + wall time elapsed × speed + whatever advance() added. Physics never
 * reads a clock; the servers read this one and step the physics up to it.
 */
export class SimClock {
  readonly speed: number;
  private readonly startMs: number;
  private readonly wallNowMs: () => number;
  private readonly wallStartMs: number;
  private manualMs = 0;

  constructor(opts: SimClockOptions) {
    this.startMs = finiteNumber('clock startMs', opts.startMs);
    this.speed = nonNegativeNumber('clock speed', opts.speed);
    this.wallNowMs = opts.wallNowMs ?? (() => performance.now());
    this.wallStartMs = this.wallNowMs();
  }

  nowMs(): number {
    const wallElapsedMs = this.speed === 0 ? 0 : this.wallNowMs() - this.wallStartMs;
    return this.startMs + this.manualMs + wallElapsedMs * this.speed;
  }

  /** Moves sim time forward by dtS on top of whatever wall time adds. */
  advance(dtS: number): void {
    if (!Number.isFinite(dtS) || dtS < 0) throw invalidOption('clock advance dtS', 'must be a finite number >= 0', dtS);
    this.manualMs += dtS * 1000;
  }
}
