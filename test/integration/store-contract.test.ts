import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VppError } from '../../src/domain/index.js';
import { openStore } from '../../src/store/index.js';
import type { MetricPoint, SetpointRecord, TimeSeriesStore, WriteQueueOptions } from '../../src/store/index.js';
import { influxdAvailable, startInfluxd } from '../helpers/influxd.js';
import type { InfluxdHandle } from '../helpers/influxd.js';

/** One implementation under the contract: where it keeps data, and how to (re)open it there. */
interface Impl {
  readonly name: 'sqlite' | 'influx';
  readonly available: boolean;
  setupAll(): Promise<void>;
  teardownAll(): Promise<void>;
  /** A fresh, empty location for one test. */
  newLocation(): Promise<void>;
  dropLocation(): Promise<void>;
  open(options?: WriteQueueOptions): Promise<TimeSeriesStore>;
}

function sqliteImpl(): Impl {
  let dir = '';
  return {
    name: 'sqlite',
    available: true,
    setupAll: async () => undefined,
    teardownAll: async () => undefined,
    newLocation: async () => {
      dir = await mkdtemp(join(tmpdir(), 'vpp-store-'));
    },
    dropLocation: () => rm(dir, { recursive: true, force: true }),
    // A nested dir that does not exist yet: the store creates it with its parents.
    open: (options) => openStore({ kind: 'sqlite', dataDir: join(dir, 'nested', 'data'), ...options }),
  };
}

function influxImpl(): Impl {
  let influxd: InfluxdHandle | undefined;
  let n = 0;
  let database = '';
  return {
    name: 'influx',
    available: influxdAvailable(),
    setupAll: async () => {
      influxd = await startInfluxd();
    },
    teardownAll: async () => influxd?.stop(),
    newLocation: async () => {
      database = `vpp_contract_${++n}`;
    },
    dropLocation: async () => undefined,
    open: (options) => {
      if (influxd === undefined) throw new Error('influxd not started');
      return openStore({ kind: 'influx', url: influxd.url, database, ...options });
    },
  };
}

const T0 = Date.UTC(2025, 6, 15, 6, 0, 0);
const pt = (atS: number, value: number, extra: Partial<MetricPoint> = {}): MetricPoint => ({
  siteId: 'plant-1', assetId: 'bess', metric: 'powerKw', atMs: T0 + atS * 1000, value, quality: 'good', ...extra,
});
const sp = (atS: number, assetId: string, powerKw: number, reason: string): SetpointRecord => ({
  siteId: 'plant-1', assetId, atMs: T0 + atS * 1000, powerKw, reason,
});
const range = { fromMs: T0, toMs: T0 + 3_600_000 };

function expectStoreError(fn: () => void, code: string, ...parts: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(VppError);
  expect((caught as VppError).code).toBe(code);
  for (const part of parts) expect((caught as VppError).message).toContain(part);
}

describe.each([sqliteImpl(), influxImpl()])('TimeSeriesStore contract: $name', (impl) => {
  const open: TimeSeriesStore[] = [];
  const openTracked = async (options?: WriteQueueOptions): Promise<TimeSeriesStore> => {
    const store = await impl.open(options);
    open.push(store);
    return store;
  };

  beforeAll(() => (impl.available ? impl.setupAll() : undefined));
  afterAll(() => (impl.available ? impl.teardownAll() : undefined));
  beforeEach(() => impl.newLocation());
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await impl.dropLocation();
  });

  it.skipIf(!impl.available)('round-trips values and qualities in time order, toMs exclusive, with limit', async () => {
    const store = await openTracked();
    expect(store.kind).toBe(impl.name);
    // Written out of order: queries still answer oldest first.
    store.writeMetrics([pt(30, 3.5, { quality: 'stale' }), pt(0, -12.25), pt(10, 0), pt(20, 7, { quality: 'bad' }), pt(40, 1e-3)]);
    await store.flush();
    const q = { siteId: 'plant-1', assetId: 'bess', metric: 'powerKw' };
    expect(await store.queryMetric({ ...q, ...range })).toEqual([
      { atMs: T0, value: -12.25, quality: 'good' },
      { atMs: T0 + 10_000, value: 0, quality: 'good' },
      { atMs: T0 + 20_000, value: 7, quality: 'bad' },
      { atMs: T0 + 30_000, value: 3.5, quality: 'stale' },
      { atMs: T0 + 40_000, value: 1e-3, quality: 'good' },
    ]);
    const window = await store.queryMetric({ ...q, fromMs: T0 + 10_000, toMs: T0 + 30_000 });
    expect(window.map((s) => s.atMs)).toEqual([T0 + 10_000, T0 + 20_000]);
    const limited = await store.queryMetric({ ...q, ...range, limit: 2 });
    expect(limited.map((s) => s.value)).toEqual([-12.25, 0]);
  });

  it.skipIf(!impl.available)('keeps site-level and asset series apart', async () => {
    const store = await openTracked();
    store.writeMetrics([
      pt(0, 100, { assetId: undefined }),
      pt(0, 50),
      // Looks like the InfluxDB site-level sentinel: must stay an asset of its own.
      pt(0, 25, { assetId: '_site' }),
      pt(0, 10, { metric: 'socPct' }),
    ]);
    await store.flush();
    const base = { siteId: 'plant-1', metric: 'powerKw', ...range };
    expect((await store.queryMetric(base)).map((s) => s.value)).toEqual([100]);
    expect((await store.queryMetric({ ...base, assetId: 'bess' })).map((s) => s.value)).toEqual([50]);
    expect((await store.queryMetric({ ...base, assetId: '_site' })).map((s) => s.value)).toEqual([25]);
    expect((await store.queryMetric({ ...base, assetId: 'bess', metric: 'socPct' })).map((s) => s.value)).toEqual([10]);
  });

  it.skipIf(!impl.available)('stores setpoints with their reasons, per site and per asset', async () => {
    const store = await openTracked();
    store.writeSetpoints([
      sp(0, 'bess', -120, 'peak shaving: import 812 kW > target 600 kW'),
      sp(5, 'chiller', -30, 'DR event ev-0715 (IMPORT_CAPACITY_LIMIT 450 kW)'),
      sp(10, 'bess', 40.5, 'valley fill'),
      sp(12, '_spare', 3, 'an id that starts with an underscore'),
      { ...sp(15, 'bess', 1, 'other site'), siteId: 'plant-2' },
    ]);
    await store.flush();
    const all = await store.querySetpoints({ siteId: 'plant-1', ...range });
    expect(all).toEqual([
      sp(0, 'bess', -120, 'peak shaving: import 812 kW > target 600 kW'),
      sp(5, 'chiller', -30, 'DR event ev-0715 (IMPORT_CAPACITY_LIMIT 450 kW)'),
      sp(10, 'bess', 40.5, 'valley fill'),
      sp(12, '_spare', 3, 'an id that starts with an underscore'),
    ]);
    const bess = await store.querySetpoints({ siteId: 'plant-1', assetId: 'bess', ...range, limit: 1 });
    expect(bess).toEqual([sp(0, 'bess', -120, 'peak shaving: import 812 kW > target 600 kW')]);
    expect(await store.querySetpoints({ siteId: 'plant-1', ...range, fromMs: T0 + 10_000, toMs: T0 + 10_000 })).toEqual([]);
  });

  it.skipIf(!impl.available)('writes batches larger than the batch size, explicitly and on its own', async () => {
    const store = await openTracked({ batchSize: 100, flushIntervalMs: 3_600_000 });
    const points = Array.from({ length: 1_050 }, (_, i) => pt(i, i / 4));
    store.writeMetrics(points);
    store.writeSetpoints(Array.from({ length: 130 }, (_, i) => sp(i, 'bess', i, `step ${i}`)));
    await store.flush();
    const got = await store.queryMetric({ siteId: 'plant-1', assetId: 'bess', metric: 'powerKw', ...range });
    expect(got).toHaveLength(1_050);
    expect(got.every((s, i) => s.atMs === points[i]?.atMs && s.value === points[i]?.value)).toBe(true);
    expect(await store.querySetpoints({ siteId: 'plant-1', ...range })).toHaveLength(130);

    // Reaching the batch size starts a flush by itself (the timer is an hour away). No event
    // tells us it landed, so poll with a deadline.
    store.writeMetrics(Array.from({ length: 100 }, (_, i) => pt(i, 1, { metric: 'socPct' })));
    const deadline = Date.now() + 10_000;
    let n = 0;
    while (n < 100 && Date.now() < deadline) {
      n = (await store.queryMetric({ siteId: 'plant-1', assetId: 'bess', metric: 'socPct', ...range })).length;
    }
    expect(n).toBe(100);
  });

  it.skipIf(!impl.available)('keeps data across close and reopen (close flushes)', async () => {
    const first = await impl.open();
    first.writeMetrics([pt(0, 1), pt(1, 2)]);
    first.writeSetpoints([sp(0, 'bess', 5, 'before restart')]);
    await first.close();
    await first.close(); // idempotent
    expectStoreError(() => first.writeMetrics([pt(2, 3)]), 'STORE_CLOSED');
    const second = await openTracked();
    expect((await second.queryMetric({ siteId: 'plant-1', assetId: 'bess', metric: 'powerKw', ...range })).map((s) => s.value)).toEqual([1, 2]);
    expect(await second.querySetpoints({ siteId: 'plant-1', ...range })).toEqual([sp(0, 'bess', 5, 'before restart')]);
  });

  it.skipIf(!impl.available)('rejects an invalid point whole, naming field and index, keeping earlier data', async () => {
    const store = await openTracked();
    store.writeMetrics([pt(0, 1)]);
    await store.flush();
    expectStoreError(() => store.writeMetrics([pt(1, 2), pt(2, Number.NaN)]), 'STORE_POINT_INVALID', 'points[1].value', 'NaN');
    expectStoreError(() => store.writeMetrics([pt(3, Number.POSITIVE_INFINITY)]), 'STORE_POINT_INVALID', 'points[0].value', 'Infinity');
    expectStoreError(() => store.writeMetrics([pt(4, 1, { siteId: '' })]), 'STORE_POINT_INVALID', 'points[0].siteId');
    expectStoreError(() => store.writeMetrics([pt(4, 1, { assetId: '' })]), 'STORE_POINT_INVALID', 'points[0].assetId');
    expectStoreError(() => store.writeMetrics([pt(4, 1), pt(5, 1, { metric: '' })]), 'STORE_POINT_INVALID', 'points[1].metric');
    expectStoreError(() => store.writeMetrics([pt(0, 1, { atMs: T0 + 0.5 })]), 'STORE_POINT_INVALID', 'points[0].atMs', String(T0 + 0.5));
    const badQuality = { ...pt(6, 1), quality: 'fine' } as unknown as MetricPoint;
    expectStoreError(() => store.writeMetrics([badQuality]), 'STORE_POINT_INVALID', 'points[0].quality', '"fine"');
    expectStoreError(() => store.writeSetpoints([sp(7, 'bess', 1, '')]), 'STORE_POINT_INVALID', 'records[0].reason');
    expectStoreError(() => store.writeSetpoints([sp(7, 'bess', Number.NaN, 'x')]), 'STORE_POINT_INVALID', 'records[0].powerKw');
    await store.flush();
    const got = await store.queryMetric({ siteId: 'plant-1', assetId: 'bess', metric: 'powerKw', ...range });
    expect(got).toEqual([{ atMs: T0, value: 1, quality: 'good' }]);
    expect(await store.querySetpoints({ siteId: 'plant-1', ...range })).toEqual([]);
  });

  it.skipIf(!impl.available)('handles ids with quotes, spaces and unicode, any reason text; no query injection', async () => {
    const store = await openTracked();
    const odd = { siteId: `O'Brien "plant" 1`, assetId: 'bess, #2 = α', metric: 'power kW, ⚡' };
    const injection = `x' OR "site" =~ /.*/ OR "site" = 'y`;
    store.writeMetrics([pt(0, 1, odd), pt(1, 2, { ...odd, assetId: undefined }), pt(2, 3, { siteId: '站点-上海' })]);
    const reason = `reason with 'quotes', "doubles", a\\'b, a new\nline and a trailing \\`;
    store.writeSetpoints([{ ...sp(0, odd.assetId, 9, reason), siteId: odd.siteId }]);
    await store.flush();
    expect((await store.queryMetric({ ...odd, ...range })).map((s) => s.value)).toEqual([1]);
    expect((await store.queryMetric({ ...odd, assetId: undefined, ...range })).map((s) => s.value)).toEqual([2]);
    expect((await store.queryMetric({ siteId: '站点-上海', assetId: 'bess', metric: 'powerKw', ...range })).map((s) => s.value)).toEqual([3]);
    expect(await store.querySetpoints({ siteId: odd.siteId, assetId: odd.assetId, ...range })).toEqual([
      { ...sp(0, odd.assetId, 9, reason), siteId: odd.siteId },
    ]);
    expect(await store.queryMetric({ siteId: injection, assetId: 'bess', metric: 'powerKw', ...range })).toEqual([]);
    expect(await store.querySetpoints({ siteId: injection, ...range })).toEqual([]);
    // Backslashes cannot travel in InfluxDB tags, so neither store takes them in ids.
    expectStoreError(() => store.writeMetrics([pt(0, 1, { assetId: 'a\\' })]), 'STORE_POINT_INVALID', 'points[0].assetId', 'backslash');
  });

  it.skipIf(!impl.available)('answers empty for unknown series; flush with nothing queued resolves', async () => {
    const store = await openTracked();
    await store.flush();
    await store.flush();
    expect(await store.queryMetric({ siteId: 'nowhere', metric: 'powerKw', ...range })).toEqual([]);
    expect(await store.querySetpoints({ siteId: 'nowhere', ...range })).toEqual([]);
    store.writeMetrics([]);
    await store.flush();
  });

  it.skipIf(!impl.available)('keeps the last write of the same series and time', async () => {
    const store = await openTracked();
    store.writeMetrics([pt(0, 1, { quality: 'bad' })]);
    await store.flush();
    store.writeMetrics([pt(0, 2)]);
    await store.flush();
    expect(await store.queryMetric({ siteId: 'plant-1', assetId: 'bess', metric: 'powerKw', ...range })).toEqual([
      { atMs: T0, value: 2, quality: 'good' },
    ]);
  });
});
