import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp, type SiteView } from '../../src/api/index.js';
import { summariseSite } from '../../src/core/index.js';
import type { AssetState, Site } from '../../src/domain/index.js';
import { openRegistry, openStore, type MetricPoint, type NewClient, type Registry, type TimeSeriesStore } from '../../src/store/index.js';

const MIN = 60_000;
const DAY = 86_400_000;
// 11:07:30 in Shanghai; the quarter hour in progress began at 03:00Z.
const NOW = Date.parse('2025-07-15T03:07:30Z');
const Q0 = Date.parse('2025-07-15T03:00:00Z');

const site = (id: string): Site => ({
  id,
  name: id,
  timezone: 'Asia/Shanghai',
  gridImportLimitKw: 800,
  assets: [
    { id: 'grid', kind: 'meter', binding: 'modbus://127.0.0.1:1502/1', staleAfterS: 5, pollIntervalS: 1 },
    {
      id: 'bess', kind: 'battery', binding: 'modbus://127.0.0.1:1502/4', staleAfterS: 5, pollIntervalS: 1,
      capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250, minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.95,
    },
  ],
});

const good = (value: number) => ({ value, quality: 'good' as const, atMs: NOW - 500 });
const assets: Record<string, AssetState> = {
  grid: { assetId: 'grid', kind: 'meter', available: true, readings: { powerKw: good(600) } },
  // Charging 50 kW at 60 %.
  bess: { assetId: 'bess', kind: 'battery', available: true, readings: { powerKw: good(50), socPct: good(60) } },
};

let dir: string;
let store: TimeSeriesStore;
let registry: Registry;
let site1: NewClient;
let app: FastifyInstance;
let views: SiteView[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-api-flex-'));
  store = await openStore({ kind: 'sqlite', dataDir: dir });
  registry = openRegistry({ dataDir: dir });
  site1 = await registry.clients.add({ role: 'site', siteId: 'plant-1' });
  // Yesterday 03:00-04:00Z, one sample a minute: grid 500/550/600/650 kW by quarter hour, battery −100 kW;
  // one stale grid sample that must not count.
  const points: MetricPoint[] = [];
  for (let t = Q0 - DAY; t < Q0 - DAY + 60 * MIN; t += MIN) {
    points.push({ siteId: 'plant-1', metric: 'gridPowerKw', atMs: t, value: 500 + 50 * Math.floor((t - (Q0 - DAY)) / (15 * MIN)), quality: 'good' });
    points.push({ siteId: 'plant-1', metric: 'batteryPowerKw', atMs: t, value: -100, quality: 'good' });
  }
  points.push({ siteId: 'plant-1', metric: 'gridPowerKw', atMs: Q0 - DAY + 30_000, value: 99_999, quality: 'stale' });
  store.writeMetrics(points);
  await store.flush();
});
afterAll(async () => {
  await registry.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  const s1 = site('plant-1');
  views = [{ site: s1, state: summariseSite(s1, assets, NOW) }, { site: site('plant-2'), state: null }];
  app = await buildApp({ version: 'test', sites: () => views, store, adapters: () => [], nowMs: () => NOW, registry });
});
afterEach(async () => {
  await app.close();
});

describe('GET /api/v1/sites/{id}/flexibility', () => {
  it('answers the envelope now with hold times and each battery\'s share', async () => {
    const res = await app.inject('/api/v1/sites/plant-1/flexibility');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    // Stop charging 50 + discharge 250 = 300 down; 250 − 50 = 200 up.
    // Holds: 250 kWh above the floor × 0.95 / 250 kW = 0.95 h; 175 kWh / (250 kW × 0.95) = 0.7368 h.
    expect(body).toMatchObject({ siteId: 'plant-1', time: new Date(NOW).toISOString(), quality: 'good', decreaseKw: 300, increaseKw: 200, batteries: { available: 1, total: 1 } });
    expect(body.decreaseHoldS).toBeCloseTo(3420, 6);
    expect(body.increaseHoldS).toBeCloseTo((175 / (250 * 0.95)) * 3600, 6);
    expect(body.assets).toEqual([
      { assetId: 'bess', kind: 'battery', available: true, socPct: 60, powerKw: 50, decreaseKw: 300, increaseKw: 200, decreaseHoldS: body.decreaseHoldS, increaseHoldS: body.increaseHoldS },
    ]);
    expect(body).not.toHaveProperty('slots');
  });

  it('shows a site without state as bad with null figures, never 0', async () => {
    const body = (await app.inject('/api/v1/sites/plant-2/flexibility')).json();
    expect(body).toMatchObject({ siteId: 'plant-2', quality: 'bad', decreaseKw: null, increaseKw: null, decreaseHoldS: null, increaseHoldS: null, batteries: { available: 0, total: 1 } });
    expect(body.assets[0]).toMatchObject({ assetId: 'bess', available: false, decreaseKw: null, socPct: null });
  });

  it('adds quarter-hour slots from yesterday\'s history with ?horizon=PT1H', async () => {
    const res = await app.inject('/api/v1/sites/plant-1/flexibility?horizon=PT1H');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ decreaseKw: 300, horizon: 'PT1H' });
    expect(body.forecast).toMatchObject({ method: 'persistence', slotS: 900, slotsKnown: 4, slotsUnknown: 1, historyFrom: new Date(Q0 - DAY - MIN).toISOString(), historyTo: new Date(Q0 - DAY + 75 * MIN).toISOString() });
    expect(body.forecast.detail).toMatch(/too little history: 1 of 5 slots/);
    expect(body.slots.map((s: { start: string }) => s.start)).toEqual([0, 1, 2, 3, 4].map((k) => new Date(Q0 + k * 15 * MIN).toISOString()));
    // Base = grid − battery a day earlier (the stale 99 999 kW sample ignored); 04:00Z yesterday is not recorded.
    expect(body.slots.map((s: { baseKw: number | null }) => s.baseKw)).toEqual([600, 650, 700, 750, null]);
    // The battery idles at 60 %: 250 kW both ways, the increase capped by the 800 kW import limit.
    expect(body.slots[0]).toEqual({ start: '2025-07-15T03:00:00.000Z', end: '2025-07-15T03:15:00.000Z', baseKw: 600, decreaseKw: 250, increaseKw: 200, socPctStart: 60 });
    expect(body.slots[4]).toMatchObject({ baseKw: null, decreaseKw: 250, increaseKw: 250 });
  });

  it('says so when there is no history for a day ahead', async () => {
    const body = (await app.inject('/api/v1/sites/plant-1/flexibility?horizon=PT24H')).json();
    expect(body.slots).toHaveLength(97);
    // Known: today's 03:00-04:00Z from yesterday, and tomorrow's 03:00Z from two days back (yesterday's 03:00Z again).
    expect(body.forecast).toMatchObject({ slotsKnown: 5, slotsUnknown: 92, historyFrom: new Date(Q0 - DAY - MIN).toISOString(), historyTo: new Date(Q0).toISOString() });
    expect(body.slots[96]).toMatchObject({ start: new Date(Q0 + DAY).toISOString(), baseKw: 600 });
    const plant2 = (await app.inject('/api/v1/sites/plant-2/flexibility?horizon=P1D')).json();
    expect(plant2.forecast).toMatchObject({ slotsKnown: 0, slotsUnknown: 97 });
    expect(plant2.slots.every((s: { baseKw: unknown; decreaseKw: unknown }) => s.baseKw === null && s.decreaseKw === null)).toBe(true);
  });

  it.each(['P3D', 'PT5M', '24h', 'P1M', 'PT', 'P', 'PT-1H'])('answers 400 problem+json naming horizon for %s', async (horizon) => {
    const res = await app.inject(`/api/v1/sites/plant-1/flexibility?horizon=${encodeURIComponent(horizon)}`);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, detail: expect.stringMatching(/^querystring\.horizon: must be an ISO 8601 duration from PT15M to P2D, got/) });
  });

  it('answers 404 for an unknown site', async () => {
    const res = await app.inject('/api/v1/sites/nope/flexibility?horizon=PT24H');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, detail: "no site 'nope'" });
  });

  it('lets a site client read its own site and refuses another', async () => {
    const tok = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { grant_type: 'client_credentials', client_id: site1.clientId, client_secret: site1.clientSecret } });
    const auth = { authorization: `Bearer ${(tok.json() as { access_token: string }).access_token}` };
    expect((await app.inject({ url: '/api/v1/sites/plant-1/flexibility?horizon=PT1H', headers: auth })).statusCode).toBe(200);
    const other = await app.inject({ url: '/api/v1/sites/plant-2/flexibility', headers: auth });
    expect(other.statusCode).toBe(403);
    expect(other.json().detail).toMatch(/may only access site 'plant-1', not 'plant-2'/);
  });

  it('documents the slot definitions in OpenAPI', async () => {
    const doc = (await app.inject('/docs/json')).json() as { paths: Record<string, { get?: { description?: string } }> };
    expect(doc.paths['/api/v1/sites/{id}/flexibility']?.get?.description).toMatch(/persistence forecast .* idle from now/s);
    expect(doc.paths['/api/v1/stream']?.get?.description).toMatch(/Last-Event-ID/);
  });
});
