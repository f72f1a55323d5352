import { VppError } from '../domain/index.js';
import type { Spool } from './spool/spool.js';
import type { StoreStats } from './stats.js';
import type { EventPerformanceRecord, MetricPoint, SetpointRecord } from './types.js';
import { appendBatch, batchesOf, batchSize, concat, empty, pendingSize, type Pending, type WriteBatch } from './pending.js';

export type { WriteBatch } from './pending.js';
export { batchSize } from './pending.js';

export interface WriteQueueOptions {
  /** Points (metrics + setpoints) per batch; reaching it also starts a flush. Default 5,000. */
  readonly batchSize?: number;
  /** Flush whatever is queued this often. Default 1,000 ms. */
  readonly flushIntervalMs?: number;
  /** Above this many queued points writes are refused (loudly), never dropped. Default 1,000,000. */
  readonly maxQueuedPoints?: number;
  /** Told when a background flush fails (the points stay queued or spooled and are retried) and when the spool refuses. */
  readonly onError?: (err: VppError) => void;
}

export const DEFAULT_BATCH_SIZE = 5_000;
export const DEFAULT_FLUSH_INTERVAL_MS = 1_000;
export const DEFAULT_MAX_QUEUED_POINTS = 1_000_000;

type QueueStats = Omit<StoreStats, 'droppedByBackendPoints'>;

/**
 * The in-memory queue both stores share. Flushes run one after another (each waits for the
 * previous), so batches reach the backend in the order they were queued. With a spool, a
 * failed flush moves the unwritten batches to disk (oldest first), and every flush writes the
 * spool before the queue, so order holds across an outage and a restart. Without one, a failed
 * batch goes back to the front of the queue. Either way an outage delays writes, never loses
 * them; when the queue or the spool is full, new writes are refused with an error.
 */
export class WriteQueue {
  private pending: Pending = empty();
  /** Points a flush has taken from `pending` and not yet written, spooled or put back. */
  private inFlight = 0;
  private tail: Promise<void> = Promise.resolve();
  private autoFlushPending = false;
  private readonly timer: NodeJS.Timeout;
  private readonly batchSize: number;
  private readonly maxQueued: number;
  private readonly onError: (err: VppError) => void;
  private spoolFull = false;
  private counts = { written: 0, replayed: 0, spooled: 0, refused: 0, failedFlushes: 0, backendUp: true };

  constructor(
    private readonly writeBatch: (batch: WriteBatch) => Promise<void>,
    options: WriteQueueOptions = {},
    private readonly spool: Spool | null = null,
  ) {
    this.batchSize = positiveInt('batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE);
    this.maxQueued = positiveInt('maxQueuedPoints', options.maxQueuedPoints ?? DEFAULT_MAX_QUEUED_POINTS);
    const intervalMs = positiveInt('flushIntervalMs', options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.onError =
      options.onError ?? ((err) => process.emitWarning(`${err.message} (points kept, will retry)`, 'VppStoreWarning'));
    this.timer = setInterval(() => {
      if (this.size() > 0 || (this.spool !== null && !this.spool.isEmpty())) this.autoFlush();
    }, intervalMs);
    // The timer alone must not keep a process alive: close() flushes what is left.
    this.timer.unref();
  }

  /** Points held in memory: queued, or taken by the flush in progress and not yet written or spooled. */
  size(): number {
    return pendingSize(this.pending) + this.inFlight;
  }

  stats(): QueueStats {
    const c = this.counts;
    return {
      queuedPoints: this.size(),
      spooledPoints: this.spool?.points() ?? 0,
      spooledBytes: this.spool?.bytes() ?? 0,
      spoolSegments: this.spool?.segmentCount() ?? 0,
      spoolMaxBytes: this.spool?.maxBytes ?? null,
      writtenPoints: c.written,
      replayedPoints: c.replayed,
      spooledPointsTotal: c.spooled,
      refusedPoints: c.refused,
      skippedSpoolRecords: this.spool?.skippedRecords ?? 0,
      failedFlushes: c.failedFlushes,
      backendUp: c.backendUp,
    };
  }

  pushMetrics(points: readonly MetricPoint[]): void {
    this.ensureRoom(points.length);
    for (const p of points) this.pending.metrics.push(p);
    this.afterPush();
  }

  pushSetpoints(records: readonly SetpointRecord[]): void {
    this.ensureRoom(records.length);
    for (const r of records) this.pending.setpoints.push(r);
    this.afterPush();
  }

  pushEvents(records: readonly EventPerformanceRecord[]): void {
    this.ensureRoom(records.length);
    for (const r of records) this.pending.events.push(r);
    this.afterPush();
  }

  /** Resolves once everything queued (and spooled) before the call is written; rejects if a batch failed. */
  flush(): Promise<void> {
    const run = this.tail.then(() => this.drain());
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Runs `fn` after the flushes queued so far, before any later one (maintenance sees a quiet backend). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Stops the timer and closes the spool; the caller flushes first. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.tail;
    await this.spool?.close();
  }

  private ensureRoom(adding: number): void {
    if (adding === 0) return;
    if (this.spoolFull && !this.counts.backendUp) {
      this.refuse(
        'STORE_SPOOL_FULL',
        `store spool ${this.spool?.dir ?? ''} is full (${this.spool?.bytes() ?? 0} of ${this.spool?.maxBytes ?? 0} bytes) and the store is down: ${adding} points refused`,
        adding,
      );
    }
    if (this.size() + adding > this.maxQueued) {
      this.refuse(
        'STORE_QUEUE_FULL',
        `store queue holds ${this.size()} points; adding ${adding} would pass maxQueuedPoints=${this.maxQueued} (is the store reachable?)`,
        adding,
      );
    }
  }

  private refuse(code: string, message: string, adding: number): never {
    this.counts.refused += adding;
    const err = new VppError(code, message);
    this.onError(err);
    throw err;
  }

  private afterPush(): void {
    if (this.size() >= this.batchSize) this.autoFlush();
  }

  private autoFlush(): void {
    if (this.autoFlushPending) return;
    this.autoFlushPending = true;
    this.flush()
      .catch((err: unknown) => this.onError(asStoreError(err)))
      .finally(() => {
        this.autoFlushPending = false;
      });
  }

  private async write(batch: WriteBatch, replayed: boolean): Promise<void> {
    await this.writeBatch(batch);
    const n = batchSize(batch);
    this.counts.written += n;
    if (replayed) this.counts.replayed += n;
    this.counts.backendUp = true;
  }

  private async drain(): Promise<void> {
    const taken = this.pending;
    this.pending = empty();
    this.inFlight = pendingSize(taken);
    // An array, not the generator: leaving a for-of early would close the generator and lose the rest.
    const batches = [...batchesOf(taken, this.batchSize)];
    let n = 0; // batches written
    try {
      if (this.spool !== null && !this.spool.isEmpty()) {
        await this.spool.replay((b) => this.write(b, true));
        this.spoolFull = false;
      }
      for (; n < batches.length; n++) {
        await this.write(batches[n] as WriteBatch, false);
        this.inFlight -= batchSize(batches[n] as WriteBatch);
      }
    } catch (err) {
      this.counts.backendUp = false;
      this.counts.failedFlushes++;
      const rest = empty();
      for (const b of batches.slice(n)) appendBatch(rest, b);
      const spooled = await this.keep(rest);
      const e = asStoreError(err);
      const where = this.spool === null ? 'kept in memory' : `${spooled} spooled to ${this.spool.dir}`;
      throw new VppError(e.code, `${e.message} (${where}; ${this.size()} points queued in memory)`, { cause: err });
    }
  }

  /**
   * Puts unwritten points somewhere safe, oldest first: into the spool while it has room, the
   * rest back ahead of anything queued meanwhile. Returns how many points were spooled.
   */
  private async keep(unwritten: Pending): Promise<number> {
    // Points queued during the failed flush are newer: they go after these.
    const all = concat(unwritten, this.pending);
    this.pending = empty();
    this.inFlight = pendingSize(all);
    let spooled = 0;
    const batches = [...batchesOf(all, this.batchSize)];
    let n = 0; // batches in the spool
    if (this.spool !== null) {
      try {
        while (n < batches.length && (await this.spool.append(batches[n] as WriteBatch))) {
          spooled += batchSize(batches[n] as WriteBatch);
          this.inFlight -= batchSize(batches[n] as WriteBatch);
          n++;
        }
        const full = n < batches.length;
        if (full && !this.spoolFull) {
          this.onError(new VppError('STORE_SPOOL_FULL', `store spool ${this.spool.dir} is full (${this.spool.bytes()} of ${this.spool.maxBytes} bytes); ${pendingSize(all) - spooled} points stay in memory, new writes are refused until the store is back`));
        }
        this.spoolFull = full;
      } catch (err) {
        this.onError(new VppError('STORE_SPOOL_FAILED', `cannot append to store spool ${this.spool.dir}: ${(err as Error).message}; points stay in memory`, { cause: err }));
      }
    }
    const left = empty();
    for (const b of batches.slice(n)) appendBatch(left, b);
    this.counts.spooled += spooled;
    this.pending = concat(left, this.pending);
    this.inFlight = 0;
    return spooled;
  }
}

function positiveInt(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new VppError('STORE_CONFIG_INVALID', `store option ${field} must be a positive integer, got ${value}`);
  }
  return value;
}

export function asStoreError(err: unknown): VppError {
  if (err instanceof VppError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new VppError('STORE_WRITE_FAILED', `store write failed: ${detail}`, { cause: err });
}
