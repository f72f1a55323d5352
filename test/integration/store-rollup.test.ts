import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VppError } from '../../src/domain/index.js';
import { openStore } from '../../src/store/index.js';
import type { EventPerformanceRecord, MetricPoint, RetentionOptions, SeriesSample, TimeSeriesStore } from '../../src/store/index.js';
import { influxdAvailable, startInfluxd } from '../helpers/influxd.js';
import type { InfluxdHandle } from '../helpers/influxd.js';

/*
 * Rollups and retention, the same checks on both stores: known raw points in, 1-minute and
 * 15-minute mean/min/max/count out, computed here independently from the raw points.
 */

const MIN = 60_000;
const Q = 15 * MIN;
const DAY = 86_400_000;
// Near the wall clock (InfluxDB's retention policies count from it), on a 15-minute boundary.
const T0 = Math.floor((Date.now() - 2 * DAY) / Q) * Q;

/** Deterministic, irregular samples: 0..3 per 20 s step, some bad, over `minutes`. */
function rawPoints(minutes: number, seed: number, extra: Partial<MetricPoint> = {}): MetricPoint[] {
  let x = seed;
  const rnd = (): number => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
  const out: MetricPoint[] = [];
  for (let t = T0; t < T0 + minutes * MIN; t += 20_000) {
    const k = Math.floor(rnd() * 3);
    for (let j = 0; j < k; j++) {
      const q = rnd();
      out.push({
        siteId: 'plant-1', metric: 'gridPowerKw', atMs: t + j * 5_000 + Math.floor(rnd() * 4_000),
        value: Math.round((rnd() * 900 - 100) * 1_000) / 1_000, quality: q < 0.1 ? 'bad' : q < 0.2 ? 'stale' : 'good', ...extra,
      });
    }
  }
  return out;
}

interface Expected {
  atMs: number;
  mean: number;
  min: number;
  max: number;
  count: number;
}

/** What a rollup of `points` at `stepMs` must say: over the good and stale points only. */
function expectedRollup(points: readonly MetricPoint[], stepMs: number): Expected[] {
  const byBucket = new Map<number, number[]>();
  for (const p of points) {
    if (p.quality === 'bad') continue;
    const b = Math.floor(p.atMs / stepMs) * stepMs;
    byBucket.set(b, [...(byBucket.get(b) ?? []), p.value]);
  }
  return [...byBucket.entries()]
    .sort(([a], [b]) => a - b)
    .map(([atMs, vs]) => ({ atMs, mean: vs.reduce((s, v) => s + v, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs), count: vs.length }));
}

function expectRollup(got: SeriesSample[], want: Expected[]): void {
  expect(got.map((s) => s.atMs)).toEqual(want.map((w) => w.atMs));
  got.forEach((s, i) => {
    const w = want[i] as Expected;
    expect(s.value).toBeCloseTo(w.mean, 9);
    expect(s.min).toBe(w.min);
    expect(s.max).toBe(w.max);
    expect(s.count).toBe(w.count);
    expect(s.quality).toBe('good');
  });
}

interface Impl {
  readonly name: 'sqlite' | 'influx';
  readonly available: boolean;
  setupAll(): Promise<void>;
  teardownAll(): Promise<void>;
  /** `again`: the location of the last open, not a new one. */
  open(retention?: RetentionOptions, errors?: VppError[], again?: boolean): Promise<TimeSeriesStore>;
}

function sqliteImpl(): Impl {
  let root = '';
  let n = 0;
  return {
    name: 'sqlite',
    available: true,
    setupAll: async () => {
      root = await mkdtemp(join(tmpdir(), 'vpp-rollup-'));
    },
    teardownAll: () => rm(root, { recursive: true, force: true }),
    open: (retention, errors) =>
      openStore({ kind: 'sqlite', dataDir: join(root, `d${++n}`), ...(retention ? { retention } : {}), onError: (e) => errors?.push(e) }),
  };
}

function influxImpl(): Impl {
  let influxd: InfluxdHandle | undefined;
  let n = 0;
  return {
    name: 'influx',
    available: influxdAvailable(),
    setupAll: async () => {
      influxd = await startInfluxd();
    },
    teardownAll: async () => influxd?.stop(),
    open: (retention, errors, again) => {
      if (influxd === undefined) throw new Error('influxd not started');
      return openStore({ kind: 'influx', url: influxd.url, database: `vpp_rollup_${again === true ? n : ++n}`, ...(retention ? { retention } : {}), onError: (e) => errors?.push(e) });
    },
  };
}

const SERIES = { siteId: 'plant-1', metric: 'gridPowerKw' };

describe.each([sqliteImpl(), influxImpl()])('store rollups and retention: $name', (impl) => {
  const stores: TimeSeriesStore[] = [];
  const open = async (retention?: RetentionOptions, errors?: VppError[], again?: boolean): Promise<TimeSeriesStore> => {
    const s = await impl.open(retention, errors, again);
    stores.push(s);
    return s;
  };
  beforeAll(() => (impl.available ? impl.setupAll() : undefined), 60_000);
  afterAll(() => (impl.available ? impl.teardownAll() : undefined));
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it.skipIf(!impl.available)('rolls up closed 15-minute buckets into 1-minute and 15-minute mean, min, max and count', async () => {
    const store = await open();
    const points = rawPoints(50, 7);
    const other = rawPoints(50, 11, { assetId: 'bess', metric: 'powerKw' });
    store.writeMetrics(points);
    store.writeMetrics(other);
    // The bucket [45, 60) min is still open (newest point ~49 min): not rolled up yet.
    const first = await store.maintain();
    expect(first.bucketsRolledUp).toBeGreaterThan(0);
    const range = { ...SERIES, fromMs: T0, toMs: T0 + 2 * 3_600_000 };
    const closed = points.filter((p) => p.atMs < T0 + 45 * MIN);
    expectRollup(await store.queryMetric({ ...range, resolution: '1m' }), expectedRollup(closed, MIN));
    expectRollup(await store.queryMetric({ ...range, resolution: '15m' }), expectedRollup(closed, Q));
    const bess = { siteId: 'plant-1', assetId: 'bess', metric: 'powerKw', fromMs: T0, toMs: T0 + 2 * 3_600_000 };
    expectRollup(await store.queryMetric({ ...bess, resolution: '15m' }), expectedRollup(other.filter((p) => p.atMs < T0 + 45 * MIN), Q));

    // A late point in a bucket already rolled up, then time moves on: both buckets (re)computed.
    const late: MetricPoint = { ...SERIES, atMs: T0 + 3 * MIN + 1, value: 5_000, quality: 'good' };
    const next: MetricPoint = { ...SERIES, atMs: T0 + 61 * MIN, value: 1, quality: 'good' };
    store.writeMetrics([late, next]);
    await store.maintain();
    const all = [...points, late];
    expectRollup(await store.queryMetric({ ...range, resolution: '1m' }), expectedRollup(all, MIN));
    expectRollup(await store.queryMetric({ ...range, resolution: '15m' }), expectedRollup(all, Q));
    // Raw stays raw, and 'auto' over a short recent span is raw.
    expect((await store.queryMetric(range)).length).toBe(all.length + 1);
    expect(await store.queryMetric({ ...range, resolution: 'auto' })).toEqual(await store.queryMetric(range));
    expectRollup(await store.queryMetric({ ...range, fromMs: T0 - 3 * DAY, resolution: 'auto' }), expectedRollup(all, MIN));
    expectRollup(await store.queryMetric({ ...range, fromMs: T0 - 30 * DAY, resolution: 'auto', limit: 2 }), expectedRollup(all, Q).slice(0, 2));
  }, 60_000);

  it.skipIf(!impl.available)('records event performance, one record per site and event', async () => {
    const store = await open();
    const ev = (eventId: string, startMs: number, deliveredKw: number): EventPerformanceRecord => ({
      eventId, siteId: 'plant-1', startMs, endMs: startMs + 2 * 3_600_000, baselineKw: 812.5, deliveredKw, deliveredKwh: deliveredKw * 2, compliancePct: 87.5,
    });
    store.writeEventPerformance([ev('ev-0715', T0, 100), ev('ev-0716', T0 + DAY, 50)]);
    store.writeEventPerformance([ev('ev-0715', T0, 120.25)]); // recomputed: replaces
    store.writeEventPerformance([{ ...ev('ev-x', T0, 1), siteId: 'plant-2' }]);
    await store.flush();
    expect(await store.queryEventPerformance({ siteId: 'plant-1', fromMs: T0, toMs: T0 + 2 * DAY })).toEqual([ev('ev-0715', T0, 120.25), ev('ev-0716', T0 + DAY, 50)]);
    expect(await store.queryEventPerformance({ siteId: 'plant-1', fromMs: T0 + 1, toMs: T0 + 2 * DAY })).toEqual([ev('ev-0716', T0 + DAY, 50)]);
    expect(() => store.writeEventPerformance([{ ...ev('e', T0, 1), compliancePct: 101 }])).toThrow(/records\[0\]\.compliancePct must be within 0\.\.100, got 101/);
    expect(() => store.writeEventPerformance([{ ...ev('e', T0, 1), endMs: T0 }])).toThrow(/records\[0\]\.endMs must be after startMs/);
  });

  it.skipIf(!impl.available)('rejects bad retention options and resolutions, naming the field', async () => {
    await expect(open({ rawDays: -1 })).rejects.toThrow(/store\.retention\.rawDays must be 0 \(keep forever\) or a number of days >= 1\/24 \(one hour\), got -1/);
    await expect(open({ rollup1mDays: 0.001 })).rejects.toThrow(/store\.retention\.rollup1mDays .* got 0\.001/);
    const store = await open();
    await expect(store.queryMetric({ ...SERIES, fromMs: T0, toMs: T0 + 1, resolution: '5m' as never })).rejects.toThrow(/queryMetric\.resolution must be one of raw\|1m\|15m\|auto, got "5m"/);
  });

  it.skipIf(impl.name !== 'sqlite')('prunes raw points and setpoints past rawDays, keeps the rollups (sqlite, by the data clock)', async () => {
    const store = await open({ rawDays: 1, rollup1mDays: 2 });
    // Three days of one point a minute; the newest point is the data clock.
    const points = Array.from({ length: 3 * 1_440 }, (_, i): MetricPoint => ({ ...SERIES, atMs: T0 - DAY + i * MIN, value: i % 97, quality: 'good' }));
    store.writeMetrics(points);
    store.writeSetpoints([{ siteId: 'plant-1', assetId: 'bess', atMs: T0 - DAY, powerKw: 1, reason: 'old' }, { siteId: 'plant-1', assetId: 'bess', atMs: T0 + DAY, powerKw: 2, reason: 'new' }]);
    const result = await store.maintain();
    const newest = (points.at(-1) as MetricPoint).atMs;
    const rawCut = newest - DAY;
    expect(result.rawPointsPruned).toBe(points.filter((p) => p.atMs < rawCut).length);
    const all = { ...SERIES, fromMs: T0 - 2 * DAY, toMs: T0 + 3 * DAY };
    const raw = await store.queryMetric(all);
    expect(raw[0]?.atMs).toBe(rawCut);
    expect(raw.length).toBe(points.filter((p) => p.atMs >= rawCut).length);
    // 15-minute rollups are kept forever (closed buckets only); 1-minute ones for 2 days.
    const closed = points.filter((p) => p.atMs < Math.floor(newest / Q) * Q);
    expectRollup(await store.queryMetric({ ...all, resolution: '15m' }), expectedRollup(closed, Q));
    expectRollup(await store.queryMetric({ ...all, resolution: '1m' }), expectedRollup(closed.filter((p) => p.atMs >= newest - 2 * DAY), MIN));
    expect((await store.querySetpoints({ siteId: 'plant-1', fromMs: T0 - 2 * DAY, toMs: T0 + 2 * DAY })).map((s) => s.reason)).toEqual(['new']);
  }, 60_000);

  it.skipIf(impl.name !== 'sqlite')('counts each series back from its own newest point: a simulated clock a year back is not pruned by a wall-clock series (sqlite)', async () => {
    const store = await open({ rawDays: 1 });
    // The demo's MQTT simulator stamps its telemetry with its own clock, beside today's readings.
    const simulated = { siteId: 'plant-1', assetId: 'bess-mq', metric: 'powerKw' } as const;
    const yearAgo = T0 - 365 * DAY;
    const old = Array.from({ length: 120 }, (_, i): MetricPoint => ({ ...simulated, atMs: yearAgo + i * MIN, value: -i, quality: 'good' }));
    const today = Array.from({ length: 120 }, (_, i): MetricPoint => ({ ...SERIES, atMs: T0 + i * MIN, value: i, quality: 'good' }));
    store.writeMetrics([...old, ...today]);
    await store.maintain();
    expect(await store.queryMetric({ ...simulated, fromMs: yearAgo, toMs: yearAgo + DAY })).toHaveLength(old.length);
    // Past its own day it is pruned all the same.
    store.writeMetrics([{ ...simulated, atMs: yearAgo + 2 * DAY, value: 1, quality: 'good' }]);
    const result = await store.maintain();
    expect(result.rawPointsPruned).toBe(old.length);
    expect(await store.queryMetric({ ...simulated, fromMs: yearAgo, toMs: yearAgo + 3 * DAY })).toHaveLength(1);
    expect(await store.queryMetric({ ...SERIES, fromMs: T0, toMs: T0 + DAY })).toHaveLength(today.length);
  }, 60_000);

  it.skipIf(impl.name !== 'influx' || !impl.available)('sets retention policies idempotently; InfluxDB drops raw points past rawDays loudly (influx)', async () => {
    const errors: VppError[] = [];
    await open({ rawDays: 3, rollup1mDays: 30 });
    // Opening again with other windows alters the policies instead of failing.
    const store = await open({ rawDays: 1, rollup1mDays: 30, rollup15mDays: 0 }, errors, true);
    store.writeMetrics([{ ...SERIES, atMs: Date.now() - 3 * DAY, value: 1, quality: 'good' }, { ...SERIES, atMs: Date.now() - 1_000, value: 2, quality: 'good' }]);
    await store.flush();
    expect(store.stats().droppedByBackendPoints).toBe(1);
    expect(errors.map((e) => e.code)).toContain('STORE_POINTS_DROPPED');
    expect((await store.queryMetric({ ...SERIES, fromMs: Date.now() - 5 * DAY, toMs: Date.now() })).map((s) => s.value)).toEqual([2]);
  });
});
