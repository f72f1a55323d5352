import { VppError } from '../domain/index.js';
import type { MetricPoint, SetpointRecord } from './types.js';

/** One batch handed to a backend: written whole (one transaction / one request) or not at all. */
export interface WriteBatch {
  readonly metrics: readonly MetricPoint[];
  readonly setpoints: readonly SetpointRecord[];
}

export interface WriteQueueOptions {
  /** Points (metrics + setpoints) per batch; reaching it also starts a flush. Default 5,000. */
  readonly batchSize?: number;
  /** Flush whatever is queued this often. Default 1,000 ms. */
  readonly flushIntervalMs?: number;
  /** Above this many queued points writes are refused (loudly), never dropped. Default 1,000,000. */
  readonly maxQueuedPoints?: number;
  /** Told when a background flush fails; the points stay queued and are retried. */
  readonly onError?: (err: VppError) => void;
}

export const DEFAULT_BATCH_SIZE = 5_000;
export const DEFAULT_FLUSH_INTERVAL_MS = 1_000;
export const DEFAULT_MAX_QUEUED_POINTS = 1_000_000;

/**
 * The in-memory queue both stores share. Flushes run one after another (each waits for the
 * previous), so batches reach the backend in the order they were queued. A failed batch goes
 * back to the front of the queue: a store outage delays writes but never loses them.
 */
export class WriteQueue {
  private metrics: MetricPoint[] = [];
  private setpoints: SetpointRecord[] = [];
  private tail: Promise<void> = Promise.resolve();
  private autoFlushPending = false;
  private readonly timer: NodeJS.Timeout;
  private readonly batchSize: number;
  private readonly maxQueued: number;
  private readonly onError: (err: VppError) => void;

  constructor(
    private readonly writeBatch: (batch: WriteBatch) => Promise<void>,
    options: WriteQueueOptions = {},
  ) {
    this.batchSize = positiveInt('batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE);
    this.maxQueued = positiveInt('maxQueuedPoints', options.maxQueuedPoints ?? DEFAULT_MAX_QUEUED_POINTS);
    const intervalMs = positiveInt('flushIntervalMs', options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.onError =
      options.onError ?? ((err) => process.emitWarning(`${err.message} (points kept, will retry)`, 'VppStoreWarning'));
    this.timer = setInterval(() => {
      if (this.size() > 0) this.autoFlush();
    }, intervalMs);
    // The timer alone must not keep a process alive: close() flushes what is left.
    this.timer.unref();
  }

  size(): number {
    return this.metrics.length + this.setpoints.length;
  }

  pushMetrics(points: readonly MetricPoint[]): void {
    this.ensureRoom(points.length);
    for (const p of points) this.metrics.push(p);
    this.afterPush();
  }

  pushSetpoints(records: readonly SetpointRecord[]): void {
    this.ensureRoom(records.length);
    for (const r of records) this.setpoints.push(r);
    this.afterPush();
  }

  /** Resolves once everything queued before the call is written; rejects if a batch failed. */
  flush(): Promise<void> {
    const run = this.tail.then(() => this.drain());
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Stops the timer; the caller flushes first. */
  stop(): void {
    clearInterval(this.timer);
  }

  private ensureRoom(adding: number): void {
    if (this.size() + adding > this.maxQueued) {
      throw new VppError(
        'STORE_QUEUE_FULL',
        `store queue holds ${this.size()} points; adding ${adding} would pass maxQueuedPoints=${this.maxQueued} (is the store reachable?)`,
      );
    }
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

  private async drain(): Promise<void> {
    const metrics = this.metrics;
    const setpoints = this.setpoints;
    this.metrics = [];
    this.setpoints = [];
    let mi = 0;
    let si = 0;
    while (mi < metrics.length || si < setpoints.length) {
      const m = metrics.slice(mi, mi + this.batchSize);
      const s = setpoints.slice(si, si + this.batchSize - m.length);
      try {
        await this.writeBatch({ metrics: m, setpoints: s });
      } catch (err) {
        // Put the unwritten points back ahead of anything queued meanwhile, in order.
        this.metrics = metrics.slice(mi).concat(this.metrics);
        this.setpoints = setpoints.slice(si).concat(this.setpoints);
        throw asStoreError(err);
      }
      mi += m.length;
      si += s.length;
    }
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
