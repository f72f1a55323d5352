import { mkdtemp, readdir, rm, truncate, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VppError } from '../../src/domain/index.js';
import { openStore } from '../../src/store/index.js';
import type { MetricPoint, TimeSeriesStore } from '../../src/store/index.js';
import { Spool } from '../../src/store/spool/spool.js';
import { influxdAvailable, startRestartableInfluxd } from '../helpers/influxd.js';
import type { RestartableInfluxd } from '../helpers/influxd.js';

/*
 * Records survive faults: a real influxd is killed mid-run and started again on the same data
 * dir and port while points keep coming; the spool holds them and flushes them, in order.
 */

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const SITE = 'plant-1';
const pt = (i: number, extra: Partial<MetricPoint> = {}): MetricPoint => ({
  siteId: SITE, assetId: 'meter', metric: 'powerKw', atMs: T0 + i * 1_000, value: i, quality: 'good', ...extra,
});
const ALL = { siteId: SITE, assetId: 'meter', metric: 'powerKw', fromMs: T0, toMs: T0 + 365 * 86_400_000 };
const VERSION = { siteId: SITE, metric: 'version', fromMs: T0, toMs: T0 + 1 };

async function until(what: string, cond: () => boolean | Promise<boolean>, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Flushes until the store takes it (the first tries after a restart may still fail). */
async function flushWhenUp(store: TimeSeriesStore): Promise<void> {
  let last: unknown;
  await until('a flush to succeed', async () => {
    try {
      await store.flush();
      return true;
    } catch (err) {
      last = err;
      return false;
    }
  }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}: ${String(last)}`);
  });
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'vpp-spool-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe.skipIf(!influxdAvailable())('store spool against a real influxd that goes down', () => {
  let influxd: RestartableInfluxd;
  const stores: TimeSeriesStore[] = [];
  let n = 0;
  beforeAll(async () => {
    influxd = await startRestartableInfluxd();
  }, 60_000);
  afterAll(async () => influxd?.stop());
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    // Each test leaves influxd running for the next.
    await influxd.restart().catch(() => undefined);
  });

  const open = async (spoolDir: string, extra: { maxBytes?: number; errors?: VppError[]; database?: string } = {}): Promise<TimeSeriesStore> => {
    const store = await openStore({
      kind: 'influx', url: influxd.url, database: extra.database ?? `vpp_spool_${++n}`,
      batchSize: 200, flushIntervalMs: 50,
      spool: { dir: spoolDir, ...(extra.maxBytes !== undefined ? { maxBytes: extra.maxBytes } : {}) },
      onError: (e) => extra.errors?.push(e),
    });
    stores.push(store);
    return store;
  };

  it.each(['SIGKILL', 'SIGTERM'] as const)('loses and duplicates nothing when influxd dies (%s) mid-run and comes back', async (signal) => {
    const spoolDir = join(await tempDir(), 'spool');
    const errors: VppError[] = [];
    const store = await open(spoolDir, { errors });
    // A steady writer: 20 points every 2 ms, and each tick rewrites one 'version' point with
    // the tick number. Replaying out of order would leave an older version standing.
    let written = 0;
    let tick = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        store.writeMetrics(Array.from({ length: 20 }, (_, k) => pt(written + k)));
        written += 20;
        store.writeMetrics([{ siteId: SITE, metric: 'version', atMs: T0, value: ++tick, quality: 'good' }]);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await until('points to reach influxd', () => store.stats().writtenPoints > 1_000);
    await influxd.kill(signal);
    await until('the spool to take batches', () => store.stats().spooledPoints > 1_000 && store.stats().failedFlushes >= 3);
    expect(store.stats().backendUp).toBe(false);
    expect((await readdir(spoolDir)).length).toBeGreaterThan(0);
    await influxd.restart();
    await until('the spool to drain', () => store.stats().spooledPoints === 0 && store.stats().backendUp);
    stop = true;
    await writer;
    await flushWhenUp(store);

    const got = await store.queryMetric(ALL);
    expect(got.length).toBe(written);
    // Every value once, at its own time: none lost, none twice.
    expect(got.every((s, i) => s.value === i && s.atMs === T0 + i * 1_000)).toBe(true);
    expect(await store.queryMetric(VERSION)).toEqual([{ atMs: T0, value: tick, quality: 'good' }]);
    const stats = store.stats();
    expect(stats.spooledPointsTotal).toBeGreaterThan(0);
    expect(stats.replayedPoints).toBe(stats.spooledPointsTotal);
    expect(stats.writtenPoints).toBeGreaterThanOrEqual(written + tick);
    expect(stats.queuedPoints).toBe(0);
    expect(stats.refusedPoints).toBe(0);
    expect(await readdir(spoolDir)).toEqual([]);
    expect(errors.some((e) => e.code === 'STORE_WRITE_FAILED')).toBe(true);
  }, 180_000);

  it('replays a spool left by a process that closed while influxd was down', async () => {
    const spoolDir = join(await tempDir(), 'spool');
    const database = 'vpp_spool_restart';
    const errors: VppError[] = [];
    const first = await open(spoolDir, { database, errors });
    first.writeMetrics([pt(0), pt(1)]);
    await first.flush();
    await influxd.kill('SIGKILL');
    first.writeMetrics(Array.from({ length: 998 }, (_, i) => pt(i + 2)));
    await expect(first.flush()).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
    expect(first.stats()).toMatchObject({ spooledPoints: 998, queuedPoints: 0 });
    // All of it is on disk: closing succeeds, with a warning.
    await first.close();
    expect(errors.map((e) => e.code)).toContain('STORE_CLOSED_WITH_SPOOL');

    await influxd.restart();
    const warnings: VppError[] = [];
    const second = await open(spoolDir, { database, errors: warnings });
    expect(second.stats().spooledPoints).toBe(998);
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/holds 998 points/);
    second.writeMetrics([pt(1_000)]);
    await second.flush();
    const got = await second.queryMetric(ALL);
    expect(got.map((s) => s.value)).toEqual(Array.from({ length: 1_001 }, (_, i) => i));
    expect(second.stats()).toMatchObject({ spooledPoints: 0, replayedPoints: 998, spoolSegments: 0 });
  }, 120_000);

  it('refuses writes loudly when the spool is full, and loses none it accepted', async () => {
    const spoolDir = join(await tempDir(), 'spool');
    const errors: VppError[] = [];
    const store = await open(spoolDir, { maxBytes: 64 * 1024, errors });
    await influxd.kill('SIGKILL');
    let accepted = 0;
    let refused: unknown;
    for (let i = 0; i < 10_000 && refused === undefined; i += 100) {
      try {
        store.writeMetrics(Array.from({ length: 100 }, (_, k) => pt(i + k)));
        accepted += 100;
      } catch (err) {
        refused = err;
      }
      await store.flush().catch(() => undefined);
    }
    expect(refused).toMatchObject({ code: 'STORE_SPOOL_FULL', message: expect.stringContaining('refused') });
    const stats = store.stats();
    expect(stats.refusedPoints).toBe(100);
    expect(stats.spooledBytes).toBeLessThanOrEqual(64 * 1024);
    expect(stats.spooledPoints + stats.queuedPoints).toBe(accepted);
    expect(errors.filter((e) => e.code === 'STORE_SPOOL_FULL').length).toBeGreaterThanOrEqual(2);

    await influxd.restart();
    await flushWhenUp(store);
    expect((await store.queryMetric(ALL)).length).toBe(accepted);
    // Back up: writes are taken again.
    store.writeMetrics([pt(20_000)]);
    await store.flush();
  }, 120_000);
});

describe('store spool files', () => {
  const stores: TimeSeriesStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it('skips a torn tail and a corrupt record with warnings and keeps the rest, in order', async () => {
    const dir = await tempDir();
    const spoolDir = join(dir, 'spool');
    // segmentBytes 1: every batch in a segment of its own.
    const spool = new Spool({ dir: spoolDir, segmentBytes: 1 }, () => undefined);
    for (let b = 0; b < 4; b++) {
      expect(await spool.append({ metrics: Array.from({ length: 10 }, (_, k) => pt(b * 10 + k)), setpoints: [] })).toBe(true);
    }
    await spool.close();
    const segs = (await readdir(spoolDir)).sort();
    expect(segs).toHaveLength(4);
    // Segment 2: a flipped byte inside the payload (CRC catches it). Segment 4: a crash mid-append.
    const second = join(spoolDir, segs[1] as string);
    const bytes = await readFile(second);
    bytes[40] = (bytes[40] as number) ^ 0xff;
    await writeFile(second, bytes);
    const last = join(spoolDir, segs[3] as string);
    await truncate(last, (await readFile(last)).length - 7);

    const warnings: string[] = [];
    const store = await openStore({ kind: 'sqlite', dataDir: dir, onError: (e) => warnings.push(e.message) });
    stores.push(store);
    // Open counts only whole records and says so about the torn one.
    expect(store.stats().spooledPoints).toBe(30);
    expect(warnings.join('\n')).toMatch(/torn record/);
    await store.flush();
    const got = await store.queryMetric(ALL);
    expect(got.map((s) => s.value)).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
    expect(warnings.join('\n')).toMatch(new RegExp(`${segs[1]} at byte 0: record of 10 points skipped: checksum mismatch`));
    expect(warnings.join('\n')).toMatch(new RegExp(`${segs[3]} at byte 0: torn record`));
    expect(store.stats()).toMatchObject({ skippedSpoolRecords: 2, spooledPoints: 0, replayedPoints: 20 });
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('keeps event performance records and setpoints through the spool format', async () => {
    const spoolDir = join(await tempDir(), 'spool');
    const spool = new Spool({ dir: spoolDir }, () => undefined);
    const batch = {
      metrics: [pt(0, { assetId: undefined }), pt(1, { quality: 'stale' })],
      setpoints: [{ siteId: SITE, assetId: 'bess', atMs: T0, powerKw: -12.5, reason: 'peak "shaving", 600 kW\n' }],
      events: [{ eventId: 'ev-1', siteId: SITE, startMs: T0, endMs: T0 + 3_600_000, baselineKw: 800, deliveredKw: 120.5, deliveredKwh: 120.5, compliancePct: 87.5 }],
    };
    await spool.append(batch);
    await spool.close();
    const reopened = new Spool({ dir: spoolDir }, () => undefined);
    expect(reopened.points()).toBe(4);
    const seen: unknown[] = [];
    await reopened.replay(async (b) => void seen.push(b));
    expect(seen).toEqual([batch]);
  });

  it('rejects bad spool options naming the field', () => {
    expect(() => new Spool({ dir: join(tmpdir(), 'x'), maxBytes: 0 }, () => undefined)).toThrow(/spool.maxBytes must be a positive integer of bytes, got 0/);
  });
});
