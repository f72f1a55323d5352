import { join } from 'node:path';
import { VppError } from '../domain/index.js';
import { retentionOf, type Retention, type RetentionOptions } from './retention.js';
import { Spool, type SpoolOptions } from './spool/spool.js';
import type { StoreStats } from './stats.js';
import type { EventPerformanceRecord, MaintenanceResult, MetricPoint, SetpointRecord } from './types.js';
import { validateEventRecords, validateMetricPoints, validateSetpointRecords } from './validate.js';
import { asStoreError, WriteQueue, type WriteBatch, type WriteQueueOptions } from './write-queue.js';

/** Options every store takes: the queue's, retention, and where to spool during an outage. */
export interface StoreOptions extends WriteQueueOptions {
  readonly retention?: RetentionOptions;
  /** The on-disk buffer used while the backend is down; false = none (memory only). */
  readonly spool?: (Omit<SpoolOptions, 'dir'> & { readonly dir?: string }) | false;
}

/**
 * What every TimeSeriesStore does the same way: validate at the edge (a bad point rejects the
 * whole call, nothing queued), queue, spool during an outage, flush in batches through
 * `writeBatch`, run maintenance (rollups, pruning) on a timer, refuse use after close.
 * Subclasses add the storage itself: the batch write, the queries, the maintenance pass.
 */
export abstract class QueuedStore {
  protected readonly queue: WriteQueue;
  protected readonly retention: Retention;
  protected closed = false;
  /** Points the backend took the batch of but dropped (InfluxDB: past its retention policy). */
  protected droppedByBackend = 0;
  protected readonly reportError: (err: VppError) => void;
  private readonly maintenanceTimer: NodeJS.Timeout;

  /** `defaultSpoolDir`: where to spool when options.spool gives no dir; null = no spool unless given. */
  protected constructor(options: StoreOptions, defaultSpoolDir: string | null) {
    this.retention = retentionOf(options.retention);
    this.reportError =
      options.onError ?? ((err) => process.emitWarning(err.message, 'VppStoreWarning'));
    const spoolDir = options.spool === false ? null : (options.spool?.dir ?? defaultSpoolDir);
    const spool =
      spoolDir === null || options.spool === false
        ? null
        : new Spool({ ...options.spool, dir: spoolDir }, (message) => this.reportError(new VppError('STORE_SPOOL_WARNING', message)));
    this.queue = new WriteQueue((batch) => this.writeBatch(batch), { ...options, onError: this.reportError }, spool);
    this.maintenanceTimer = setInterval(() => {
      if (!this.queue.stats().backendUp) return;
      this.queue.exclusive(() => this.runMaintenance()).catch((err: unknown) => this.reportError(asStoreError(err)));
    }, this.retention.intervalMs);
    this.maintenanceTimer.unref();
  }

  /** Writes one batch durably; throws to have it retried (or spooled). */
  protected abstract writeBatch(batch: WriteBatch): Promise<void>;
  /** One maintenance pass over data closed before untilMs (default: the newest point written). */
  protected abstract runMaintenance(untilMs?: number): Promise<MaintenanceResult>;
  /** How errors name this store, e.g. `SQLite store ./data/vpp.sqlite`. */
  protected abstract label(): string;

  writeMetrics(points: readonly MetricPoint[]): void {
    this.assertOpen();
    validateMetricPoints(points);
    this.queue.pushMetrics(points);
  }

  writeSetpoints(records: readonly SetpointRecord[]): void {
    this.assertOpen();
    validateSetpointRecords(records);
    this.queue.pushSetpoints(records);
  }

  writeEventPerformance(records: readonly EventPerformanceRecord[]): void {
    this.assertOpen();
    validateEventRecords(records);
    this.queue.pushEvents(records);
  }

  async flush(): Promise<void> {
    this.assertOpen();
    return this.queue.flush();
  }

  stats(): StoreStats {
    return { ...this.queue.stats(), droppedByBackendPoints: this.droppedByBackend };
  }

  /** Flushes, then rolls up and prunes (after any flush in flight, before any later one). */
  async maintain(options: { readonly untilMs?: number } = {}): Promise<MaintenanceResult> {
    this.assertOpen();
    await this.queue.flush();
    return this.queue.exclusive(() => this.runMaintenance(options.untilMs));
  }

  /**
   * Flushes what is queued, then stops the queue; `release` runs even when the flush fails.
   * When the backend is down but every point is in the spool, closing succeeds with a warning:
   * the next open writes them.
   */
  protected async closeQueue(release: () => void = () => undefined): Promise<void> {
    if (this.closed) return;
    clearInterval(this.maintenanceTimer);
    try {
      await this.queue.flush();
    } catch (err) {
      const s = this.queue.stats();
      if (s.queuedPoints > 0 || s.spoolMaxBytes === null) throw err;
      this.reportError(new VppError('STORE_CLOSED_WITH_SPOOL', `${this.label()} closed while the store is down: ${s.spooledPoints} points stay in the spool and are written at the next open`));
    } finally {
      this.closed = true;
      await this.queue.stop();
      release();
    }
  }

  protected assertOpen(): void {
    if (this.closed) throw new VppError('STORE_CLOSED', `${this.label()} is closed`);
  }
}

/** `<dataDir>/spool`: where the stores spool by default. */
export function spoolDirOf(dataDir: string): string {
  return join(dataDir, 'spool');
}
