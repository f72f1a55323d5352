import type { DeviceAdapter, Setpoint } from '../domain/index.js';
import type { TimeSeriesStore } from '../store/index.js';
import type { Logger } from './logger.js';

export interface SetpointWriterOptions {
  /** A change smaller than this is not written (kW). */
  readonly deadbandKw: number;
  /** Device revert timers by asset id (s); the writer refreshes each at a third of it. */
  readonly revertS: Readonly<Record<string, number>>;
}

interface Last {
  readonly powerKw: number;
  readonly atMs: number;
}

/**
 * Writes setpoints through the adapters: skips changes inside the deadband, but rewrites the
 * same value before the device's revert timer runs out (the heartbeat that keeps a live
 * controller in charge and lets a dead one's assets fall back to idle). One write in flight
 * per asset; every write is recorded with its reason and read-back outcome.
 */
export class SetpointWriter {
  private readonly last = new Map<string, Last>();
  private readonly inFlight = new Set<string>();

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

  private async applyOne(sp: Setpoint, nowMs: number): Promise<void> {
    const key = `${sp.siteId}/${sp.assetId}`;
    const adapter = this.adapters.get(key);
    if (adapter === undefined || this.inFlight.has(key)) return;
    const last = this.last.get(key);
    const refreshMs = ((this.options.revertS[sp.assetId] ?? 30) * 1000) / 3;
    const changed = last === undefined || Math.abs(sp.powerKw - last.powerKw) >= this.options.deadbandKw;
    if (!changed && nowMs - last.atMs < refreshMs) return;
    this.inFlight.add(key);
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
    } finally {
      this.inFlight.delete(key);
    }
  }
}
