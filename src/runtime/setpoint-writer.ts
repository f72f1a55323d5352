import type { DeviceAdapter, Setpoint, WriteResult } from '../domain/index.js';
import type { TimeSeriesStore } from '../store/index.js';
import type { Logger } from './logger.js';

export interface SetpointWriterOptions {
  /** A change smaller than this is not written (kW). */
  readonly deadbandKw: number;
  /** Device revert timers by asset id (s); the writer refreshes each at a third of it. */
  readonly revertS: Readonly<Record<string, number>>;
  /**
   * Ramp limits by asset id, kW/s: a setpoint moves away from zero at most this fast from the
   * last one written. Moves toward zero are never limited: stopping is always safe.
   */
  readonly rampKwPerS?: Readonly<Record<string, number>>;
}

/** The setpoint after the ramp limit, given the last one written and the time since the last cycle. */
export function rampLimited(wantedKw: number, lastKw: number | undefined, elapsedS: number, rampKwPerS: number | undefined): number {
  if (lastKw === undefined || rampKwPerS === undefined || !(rampKwPerS > 0)) return wantedKw;
  // Toward zero, or to zero, is never limited: stopping is always safe.
  if (wantedKw === 0 || (Math.sign(wantedKw) === Math.sign(lastKw) && Math.abs(wantedKw) <= Math.abs(lastKw))) return wantedKw;
  // Away from zero: from the last value on the same side (from 0 after a sign change).
  const from = Math.sign(wantedKw) === Math.sign(lastKw) ? lastKw : 0;
  const step = Math.min(Math.abs(wantedKw - from), rampKwPerS * Math.max(0, elapsedS));
  return from + Math.sign(wantedKw) * step;
}

interface Last {
  readonly powerKw: number;
  readonly atMs: number;
  /** Set by forget(): the device may hold anything, so the next write counts as a change. */
  readonly forgotten?: true;
}

/**
 * Writes setpoints through the adapters: skips changes inside the deadband, but rewrites the
 * same value before the device's revert timer runs out (the heartbeat that keeps a live
 * controller in charge and lets a dead one's assets fall back to idle). One write in flight
 * per asset; every write is recorded with its reason and read-back outcome.
 */
export class SetpointWriter {
  private readonly last = new Map<string, Last>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly lastCycleMs = new Map<string, number>();

  constructor(
    private readonly adapters: ReadonlyMap<string, DeviceAdapter>,
    private readonly store: Pick<TimeSeriesStore, 'writeSetpoints' | 'writeMetrics'>,
    private readonly log: Logger,
    private readonly options: SetpointWriterOptions,
  ) {}

  /** Starts the writes due now; resolves when they have completed (never rejects). */
  async apply(setpoints: readonly Setpoint[], nowMs: number): Promise<void> {
    await Promise.all(setpoints.map((sp) => this.applyOne(sp, nowMs)));
  }

  /**
   * Forgets what was last written to an asset, so the next setpoint is written at once (after
   * a mode change the device may hold something else than what we last told it). Ramps start
   * again from 0, where a released or reverted device idles: never a jump past the ramp limit.
   */
  forget(siteId: string, assetId: string): void {
    this.last.set(`${siteId}/${assetId}`, { powerKw: 0, atMs: Number.NEGATIVE_INFINITY, forgotten: true });
    this.lastCycleMs.delete(`${siteId}/${assetId}`);
  }

  /**
   * Hands the asset back to its own control through the adapter's release(), after any write
   * in flight, so a late setpoint cannot land after the release. null: the adapter has no
   * release (its revert timer does it). Never rejects.
   */
  async release(siteId: string, assetId: string): Promise<WriteResult | null> {
    const key = `${siteId}/${assetId}`;
    const adapter = this.adapters.get(key);
    if (adapter?.release === undefined) return null;
    for (let p = this.inFlight.get(key); p !== undefined; p = this.inFlight.get(key)) await p.catch(() => undefined);
    const p = adapter.release().catch((err: unknown): WriteResult => ({ ok: false, readBackKw: null, detail: (err as Error).message }));
    this.inFlight.set(key, p);
    try {
      const result = await p;
      if (result.ok) this.forget(siteId, assetId);
      return result;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async applyOne(wanted: Setpoint, nowMs: number): Promise<void> {
    const key = `${wanted.siteId}/${wanted.assetId}`;
    if (this.inFlight.has(key)) return;
    const p = this.writeOne(wanted, nowMs);
    this.inFlight.set(key, p);
    try {
      await p;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async writeOne(wanted: Setpoint, nowMs: number): Promise<void> {
    const key = `${wanted.siteId}/${wanted.assetId}`;
    const adapter = this.adapters.get(key);
    if (adapter === undefined) return;
    const last = this.last.get(key);
    const prevCycleMs = this.lastCycleMs.get(key) ?? nowMs;
    this.lastCycleMs.set(key, nowMs);
    const rampedKw = rampLimited(wanted.powerKw, last?.powerKw, (nowMs - prevCycleMs) / 1000, this.options.rampKwPerS?.[wanted.assetId]);
    const sp: Setpoint = rampedKw === wanted.powerKw ? wanted : { ...wanted, powerKw: rampedKw, reason: `${wanted.reason} [ramp-limited from ${wanted.powerKw.toFixed(1)} kW]` };
    const refreshMs = ((this.options.revertS[sp.assetId] ?? 30) * 1000) / 3;
    const changed = last === undefined || last.forgotten === true || Math.abs(sp.powerKw - last.powerKw) >= this.options.deadbandKw;
    if (!changed && nowMs - last.atMs < refreshMs) return;
    try {
      const result = await adapter.write(sp);
      if (result.ok) this.last.set(key, { powerKw: sp.powerKw, atMs: nowMs });
      else this.log.warn({ site: sp.siteId, asset: sp.assetId, powerKw: sp.powerKw, detail: result.detail }, 'setpoint refused by device');
      if (changed || !result.ok) {
        this.store.writeSetpoints([
          { siteId: sp.siteId, assetId: sp.assetId, atMs: nowMs, powerKw: sp.powerKw, reason: result.ok ? sp.reason : `${sp.reason} [write failed: ${result.detail ?? 'unknown'}]` },
        ]);
      }
    } catch (err) {
      this.log.warn({ site: sp.siteId, asset: sp.assetId, err: (err as Error).message }, 'setpoint write failed');
      this.store.writeSetpoints([{ siteId: sp.siteId, assetId: sp.assetId, atMs: nowMs, powerKw: sp.powerKw, reason: `${sp.reason} [write failed: ${(err as Error).message}]` }]);
    }
  }
}
