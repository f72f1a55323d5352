import { afterEach, describe, expect, it } from 'vitest';
import type { VppError } from '../../src/domain/index.js';
import { openStore } from '../../src/store/index.js';
import type { MetricPoint } from '../../src/store/index.js';
import { WriteQueue } from '../../src/store/write-queue.js';
import type { WriteBatch } from '../../src/store/write-queue.js';
import { freePort } from '../helpers/influxd.js';

const pt = (i: number): MetricPoint => ({ siteId: 's', metric: 'powerKw', atMs: 1_000 + i, value: i, quality: 'good' });

/** A backend that is down until told otherwise, and records what it accepted. */
function flakyBackend(): { down: boolean; written: WriteBatch[]; write: (b: WriteBatch) => Promise<void> } {
  const backend = {
    down: true,
    written: [] as WriteBatch[],
    write: async (b: WriteBatch): Promise<void> => {
      if (backend.down) throw new Error('connection refused');
      backend.written.push(b);
    },
  };
  return backend;
}

describe('store write queue', () => {
  const queues: WriteQueue[] = [];
  afterEach(() => {
    for (const q of queues.splice(0)) q.stop();
  });

  it('keeps points through an outage and writes them, in order, once the backend is back', async () => {
    const backend = flakyBackend();
    const errors: VppError[] = [];
    const q = new WriteQueue(backend.write, { batchSize: 3, flushIntervalMs: 3_600_000, onError: (e) => errors.push(e) });
    queues.push(q);
    q.pushMetrics([pt(0), pt(1)]);
    q.pushMetrics([pt(2), pt(3)]); // reaches batchSize: a background flush fails too
    await expect(q.flush()).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED', message: expect.stringContaining('connection refused') });
    q.pushMetrics([pt(4)]);
    expect(q.size()).toBe(5);
    backend.down = false;
    await q.flush();
    expect(q.size()).toBe(0);
    expect(backend.written.map((b) => b.metrics.map((p) => p.value))).toEqual([[0, 1, 2], [3, 4]]);
    expect(errors.map((e) => e.code)).toEqual(['STORE_WRITE_FAILED']);
  });

  it('reports a failed background flush through onError and keeps the points', async () => {
    const backend = flakyBackend();
    let report: (e: VppError) => void = () => undefined;
    const reported = new Promise<VppError>((resolve) => (report = resolve));
    const q = new WriteQueue(backend.write, { batchSize: 2, flushIntervalMs: 3_600_000, onError: (e) => report(e) });
    queues.push(q);
    q.pushMetrics([pt(0), pt(1)]); // reaches batchSize: starts a flush by itself
    const err = await reported;
    expect(err.code).toBe('STORE_WRITE_FAILED');
    expect(q.size()).toBe(2);
  });

  it('refuses writes past maxQueuedPoints loudly instead of dropping them', () => {
    const q = new WriteQueue(flakyBackend().write, { batchSize: 100, maxQueuedPoints: 5, flushIntervalMs: 3_600_000 });
    queues.push(q);
    q.pushMetrics([pt(0), pt(1), pt(2), pt(3)]);
    expect(() => q.pushMetrics([pt(4), pt(5)])).toThrow(expect.objectContaining({ code: 'STORE_QUEUE_FULL' }));
    expect(q.size()).toBe(4);
  });

  it('rejects bad options naming the field', () => {
    expect(() => new WriteQueue(flakyBackend().write, { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
  });

  it('fails to open an InfluxDB store nobody listens for, naming the database', async () => {
    const port = await freePort();
    await expect(openStore({ kind: 'influx', url: `http://127.0.0.1:${port}`, database: 'nowhere' })).rejects.toMatchObject({
      code: 'STORE_OPEN_FAILED',
      message: expect.stringContaining('nowhere'),
    });
    await expect(openStore({ kind: 'influx', url: 'ftp://x', database: 'd' })).rejects.toMatchObject({ code: 'STORE_CONFIG_INVALID' });
  });
});
