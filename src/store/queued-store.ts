import { VppError } from '../domain/index.js';
import type { MetricPoint, SetpointRecord } from './types.js';
import { validateMetricPoints, validateSetpointRecords } from './validate.js';
import { WriteQueue, type WriteBatch, type WriteQueueOptions } from './write-queue.js';

/**
 * What every TimeSeriesStore does the same way: validate at the edge (a bad point rejects the
 * whole call, nothing queued), queue, flush in batches through `writeBatch`, refuse use after
 * close. Subclasses add the storage itself: the batch write, the queries, releasing resources.
 */
export abstract class QueuedStore {
  protected readonly queue: WriteQueue;
  protected closed = false;

  protected constructor(options: WriteQueueOptions) {
    this.queue = new WriteQueue((batch) => this.writeBatch(batch), options);
  }

  /** Writes one batch durably; throws to have it retried. */
  protected abstract writeBatch(batch: WriteBatch): Promise<void>;
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

  async flush(): Promise<void> {
    this.assertOpen();
    return this.queue.flush();
  }

  /** Flushes what is queued, then stops the queue; `release` runs even when the flush fails. */
  protected async closeQueue(release: () => void = () => undefined): Promise<void> {
    if (this.closed) return;
    try {
      await this.queue.flush();
    } finally {
      this.closed = true;
      this.queue.stop();
      release();
    }
  }

  protected assertOpen(): void {
    if (this.closed) throw new VppError('STORE_CLOSED', `${this.label()} is closed`);
  }
}
