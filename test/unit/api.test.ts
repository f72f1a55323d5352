import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp, type SiteView } from '../../src/api/index.js';
import { openStore, type TimeSeriesStore } from '../../src/store/index.js';
import type { Site, SiteState } from '../../src/domain/index.js';

const NOW = Date.parse('2025-07-15T03:00:00Z');

const site: Site = {
  id: 'plant-1',
  name: 'Plant 1',
  timezone: 'Asia/Shanghai',
  gridImportLimitKw: 800,
  peakTargetKw: 600,
  assets: [
    { id: 'grid', kind: 'meter', binding: 'modbus://127.0.0.1:1502/1', staleAfterS: 5, pollIntervalS: 1 },
    {
      id: 'bess', kind: 'battery', binding: 'modbus://127.0.0.1:1502/4', staleAfterS: 5, pollIntervalS: 1,
      capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250, minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.95,
    },
  ],
};

const state: SiteState = {
  siteId: 'plant-1',
  atMs: NOW,
  gridPowerKw: { value: 612.5, quality: 'good', atMs: NOW - 500 },
  batteryPowerKw: { value: null, quality: 'bad', atMs: NOW - 200 },
  batterySocPct: { value: 55, quality: 'stale', atMs: NOW - 9000 },
  flexibility: { decreaseKw: 0, decreaseDurationS: 0, increaseKw: 0, increaseDurationS: 0 },
  assets: {
    grid: { assetId: 'grid', kind: 'meter', available: true, readings: { powerKw: { value: 612.5, quality: 'good', atMs: NOW - 500 } } },
    bess: { assetId: 'bess', kind: 'battery', available: false, readings: { socPct: { value: 55, quality: 'stale', atMs: NOW - 9000 } } },
  },
};

describe('HTTP API', () => {
  let dir: string;
  let store: TimeSeriesStore;
  let app: FastifyInstance;
  let views: SiteView[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vpp-api-'));
    store = await openStore({ kind: 'sqlite', dataDir: dir });
    views = [{ site, state }];
    app = await buildApp({
      version: '0.0.0-test',
      sites: () => views,
      store,
      adapters: () => [{ siteId: 'plant-1', assetId: 'grid', binding: 'modbus://127.0.0.1:1502/1', connected: true, lastOkAtMs: NOW, consecutiveErrors: 0, lastError: null, errorsTotal: 0, reconnectsTotal: 0 }],
      nowMs: () => NOW,
    });
  });

  afterEach(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health with status ok', async () => {
    const res = await app.inject('/api/v1/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', field: 'ok', store: 'sqlite', version: '0.0.0-test' });
  });

  it('lists sites with each reading as value, quality and ISO time', async () => {
    const res = await app.inject('/api/v1/sites');
    expect(res.statusCode).toBe(200);
    const [s] = res.json() as Array<Record<string, unknown> & { state: Record<string, unknown> }>;
    expect(s?.id).toBe('plant-1');
    expect(s?.state.gridPowerKw).toEqual({ value: 612.5, quality: 'good', time: '2025-07-15T02:59:59.500Z' });
    expect(s?.state.batteryPowerKw).toEqual({ value: null, quality: 'bad', time: '2025-07-15T02:59:59.800Z' });
    expect(s?.state.batterySocPct).toMatchObject({ value: 55, quality: 'stale' });
    expect(s).toMatchObject({ peakTargetKw: 600, gridImportLimitKw: 800 });
  });

  it('shows a site without state yet as bad, never as 0', async () => {
    views = [{ site, state: null }];
    const [s] = (await app.inject('/api/v1/sites')).json() as Array<{ state: { gridPowerKw: unknown }; assets: Array<{ available: boolean }> }>;
    expect(s?.state.gridPowerKw).toEqual({ value: null, quality: 'bad', time: new Date(NOW).toISOString() });
    expect(s?.assets.every((a) => !a.available)).toBe(true);
  });

  it('returns series points from the store, oldest first, `to` exclusive', async () => {
    store.writeMetrics([
      { siteId: 'plant-1', metric: 'gridPowerKw', atMs: NOW - 3000, value: 600, quality: 'good' },
      { siteId: 'plant-1', metric: 'gridPowerKw', atMs: NOW - 2000, value: 610, quality: 'good' },
      { siteId: 'plant-1', metric: 'gridPowerKw', atMs: NOW - 1000, value: 620, quality: 'good' },
      { siteId: 'plant-1', assetId: 'bess', metric: 'powerKw', atMs: NOW - 2000, value: -50, quality: 'good' },
    ]);
    await store.flush();
    const from = new Date(NOW - 5000).toISOString();
    const to = new Date(NOW - 1000).toISOString();
    const res = await app.inject(`/api/v1/sites/plant-1/series?metric=gridPowerKw&from=${from}&to=${to}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().points).toEqual([
      { time: new Date(NOW - 3000).toISOString(), value: 600, quality: 'good' },
      { time: new Date(NOW - 2000).toISOString(), value: 610, quality: 'good' },
    ]);
    const asset = await app.inject(`/api/v1/sites/plant-1/series?metric=powerKw&asset=bess&from=${from}`);
    expect(asset.json().points).toEqual([{ time: new Date(NOW - 2000).toISOString(), value: -50, quality: 'good' }]);
  });

  it('serves the 15-minute rollups with their min, max and count on ?resolution=15m', async () => {
    // Two closed quarter hours of one point a minute, well before NOW.
    const q0 = Math.floor((NOW - 3_600_000) / 900_000) * 900_000;
    const points = Array.from({ length: 30 }, (_, i) => ({ siteId: 'plant-1', metric: 'loadPowerKw', atMs: q0 + i * 60_000, value: i < 15 ? 100 + i : 200, quality: 'good' as const }));
    store.writeMetrics(points);
    await store.maintain({ untilMs: NOW });
    const from = new Date(q0).toISOString();
    const to = new Date(q0 + 1_800_000).toISOString();
    const res = await app.inject(`/api/v1/sites/plant-1/series?metric=loadPowerKw&from=${from}&to=${to}&resolution=15m`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ resolution: '15m' });
    expect(res.json().points).toEqual([
      { time: from, value: 107, quality: 'good', min: 100, max: 114, count: 15 },
      { time: new Date(q0 + 900_000).toISOString(), value: 200, quality: 'good', min: 200, max: 200, count: 15 },
    ]);
    // Raw stays the default, and a resolution that is not one of the four is refused.
    expect((await app.inject(`/api/v1/sites/plant-1/series?metric=loadPowerKw&from=${from}&to=${to}`)).json().points).toHaveLength(30);
    const bad = await app.inject(`/api/v1/sites/plant-1/series?metric=loadPowerKw&resolution=5m`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/resolution/);
  });

  it('answers bad queries with problem+json naming the field', async () => {
    const missing = await app.inject('/api/v1/sites/plant-1/series');
    expect(missing.statusCode).toBe(400);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.json()).toMatchObject({ status: 400, title: 'Bad Request', detail: expect.stringContaining('metric') });

    const badTime = await app.inject('/api/v1/sites/plant-1/series?metric=gridPowerKw&from=yesterday');
    expect(badTime.statusCode).toBe(400);
    expect(badTime.json().detail).toMatch(/querystring\.from: must match format "date-time"/);

    const reversed = await app.inject(`/api/v1/sites/plant-1/series?metric=gridPowerKw&from=${new Date(NOW).toISOString()}&to=${new Date(NOW - 1).toISOString()}`);
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().detail).toMatch(/from: must be before to/);
  });

  it('answers 404 problem+json for unknown sites, assets and routes', async () => {
    for (const url of ['/api/v1/sites/nope', '/api/v1/sites/nope/series?metric=gridPowerKw', '/api/v1/sites/plant-1/series?metric=powerKw&asset=nope', '/api/v1/nothing']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/^application\/problem\+json/);
      expect(res.json(), url).toMatchObject({ status: 404, title: 'Not Found' });
    }
  });

  it('publishes an OpenAPI document listing the fixed routes', async () => {
    const res = await app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/health', '/api/v1/sites', '/api/v1/sites/{id}', '/api/v1/sites/{id}/series']));
    expect((await app.inject('/docs')).statusCode).toBeLessThan(400);
  });

  it('serves the status page at /', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('/api/v1/sites');
  });
});
