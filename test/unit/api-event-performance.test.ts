import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.js';
import { openRegistry, openStore, seedVens, type MetricPoint, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import { expectProblem, OTHER_SITE, OWN_SITE } from '../helpers/openadr-api.js';

/**
 * GET /events/{id}/performance through the real app, registry and SQLite store, with the
 * meter series written into the store. The event: 30 min from 14:00 +08:00 on Tuesday
 * 2025-07-15 (so 1-min intervals), IMPORT_CAPACITY_LIMIT 300 kW for plant-1.
 */
const START = Date.parse('2025-07-15T06:00:00Z');
const END = START + 30 * 60_000;
const MIN = 60_000;
const DAY = 86_400_000;

let dir: string;
let registry: Registry;
let store: TimeSeriesStore;
let app: FastifyInstance;
const clock = { nowMs: END + 60_000 };
const tokens: Record<string, string> = {};

const point = (atMs: number, value: number): MetricPoint => ({ siteId: OWN_SITE.id, metric: 'gridPowerKw', atMs, value, quality: 'good' });
/** One sample every 10 s over [fromMs, toMs) at `kw`. */
const samples = (fromMs: number, toMs: number, kw: (t: number) => number): MetricPoint[] => {
  const out: MetricPoint[] = [];
  for (let t = fromMs; t < toMs; t += 10_000) out.push(point(t, kw(t)));
  return out;
};

async function call(who: string, url: string, method = 'GET', body?: unknown): Promise<LightMyRequestResponse> {
  return app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${tokens[who] ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
}

async function newEvent(programBody: Record<string, unknown>, startMs = START): Promise<string> {
  clock.nowMs = startMs - 3_600_000;
  const p = await call('operator', '/api/v1/programs', 'POST', programBody);
  expect(p.statusCode, p.body).toBe(201);
  const e = await call('operator', '/api/v1/events', 'POST', {
    programID: (p.json() as { id: string }).id,
    targets: [{ type: 'VEN_NAME', values: [OWN_SITE.id] }],
    intervalPeriod: { start: new Date(startMs).toISOString(), duration: 'PT30M' },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [300] }] }],
  });
  expect(e.statusCode, e.body).toBe(201);
  clock.nowMs = END + 60_000;
  return (e.json() as { id: string }).id;
}

type SiteBody = {
  siteId: string; intervalS: number; baseline: { method: string; ok: boolean; why: string; daysUsed?: string[] };
  intervals: Array<{ start: string; baselineKw: number | null; actualKw: number | null; deliveredKw: number | null; deliveredKwh: number | null; compliant: boolean | null; reason?: string }>;
  deliveredKwh: number; compliancePct: number; missingIntervals: number; settlement: { paymentAmount: number } | null; settlementWithheld?: string;
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-perf-'));
  registry = openRegistry({ dataDir: dir, nowMs: () => clock.nowMs });
  store = await openStore({ kind: 'sqlite', dataDir: dir });
  await seedVens(registry, [OWN_SITE, OTHER_SITE], START - DAY);
  app = await buildApp({ version: 'test', sites: () => [OWN_SITE, OTHER_SITE].map((site) => ({ site, state: null })), store, adapters: () => [], nowMs: () => clock.nowMs, registry });
  const roles = { operator: { role: 'operator' }, own: { role: 'site', siteId: OWN_SITE.id }, other: { role: 'site', siteId: OTHER_SITE.id } } as const;
  for (const [name, input] of Object.entries(roles)) {
    const c = await registry.clients.add(input);
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret } });
    tokens[name] = (res.json() as { access_token: string }).access_token;
  }
});

afterEach(async () => {
  await app.close();
  await registry.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /events/{id}/performance', () => {
  it('meter-before/meter-after on short history; a gap is null with a reason and withholds settlement', async () => {
    // 400 kW before, 290 kW during; no data 14:10-14:12.
    store.writeMetrics([...samples(START - 15 * MIN, START, () => 400), ...samples(START, END, () => 290).filter((p) => p.atMs < START + 10 * MIN || p.atMs >= START + 12 * MIN)]);
    await store.flush();
    const id = await newEvent({ programName: 'p', rate: { kind: 'energy', pricePerKwh: 2 } });
    const res = await call('own', `/api/v1/events/${id}/performance`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { status: string; sites: SiteBody[] };
    expect(body.status).toBe('completed');
    const s = body.sites[0] as SiteBody;
    expect(body.sites).toHaveLength(1);
    expect(s).toMatchObject({ siteId: 'plant-1', intervalS: 60, missingIntervals: 2, settlement: null, settlementWithheld: '2 of 30 intervals have no good meter data' });
    expect(s.baseline).toMatchObject({ method: 'meterBeforeMeterAfter', ok: true });
    expect(s.baseline.why).toMatch(/0 day\(s\) of gridPowerKw before the event/);
    expect(s.intervals).toHaveLength(30);
    expect(s.intervals[0]).toEqual({ start: '2025-07-15T06:00:00.000Z', requested: { type: 'IMPORT_CAPACITY_LIMIT', kw: 300 }, baselineKw: 400, actualKw: 290, deliveredKw: 110, deliveredKwh: 110 / 60, compliant: true });
    expect(s.intervals[10]).toMatchObject({ actualKw: null, deliveredKw: null, deliveredKwh: null, compliant: false, reason: 'no good gridPowerKw in this interval' });
    expect(s.compliancePct).toBeCloseTo((100 * 28) / 30, 9);
    expect(s.deliveredKwh).toBeCloseTo((28 * 110) / 60, 9);
  });

  it('CAISO 10-of-10 with ten business days of history, settled at the rate', async () => {
    const points: MetricPoint[] = [];
    // Each of the 15 days before: 5 h before the window to 1 h after, at 350 kW; the event day: 350 before, 280 during.
    for (let d = 1; d <= 15; d += 1) points.push(...samples(START - d * DAY - 5 * 3_600_000, END - d * DAY + 3_600_000, () => 350));
    points.push(...samples(START - 5 * 3_600_000, START, () => 350), ...samples(START, END, () => 280));
    store.writeMetrics(points);
    await store.flush();
    const id = await newEvent({ programName: 'q', rate: { kind: 'capacity', pricePerKw: 10 } });
    const res = await call('operator', `/api/v1/events/${id}/performance`);
    expect(res.statusCode, res.body).toBe(200);
    const s = (res.json() as { sites: SiteBody[] }).sites[0] as SiteBody;
    expect(s.baseline).toMatchObject({ method: 'tenOfTen', ok: true });
    // Business days before Tue 15 Jul 2025, newest first (weekends skipped).
    expect(s.baseline.daysUsed).toEqual(['2025-07-14', '2025-07-11', '2025-07-10', '2025-07-09', '2025-07-08', '2025-07-07', '2025-07-04', '2025-07-03', '2025-07-02', '2025-07-01']);
    expect(s.intervals.every((i) => i.baselineKw !== null && Math.abs(i.baselineKw - 350) < 1e-9 && i.compliant === true)).toBe(true);
    expect(s.compliancePct).toBe(100);
    expect(s.settlement?.paymentAmount).toBeCloseTo(10 * 70, 6);
  });

  it('no rate: no settlement, said so; a site client of another site gets 404; a pending event 409', async () => {
    store.writeMetrics(samples(START - 15 * MIN, END, () => 300));
    await store.flush();
    const id = await newEvent({ programName: 'r' });
    const s = ((await call('operator', `/api/v1/events/${id}/performance`)).json() as { sites: SiteBody[] }).sites[0] as SiteBody;
    expect(s).toMatchObject({ settlement: null, settlementWithheld: 'the programme carries no rate' });
    expectProblem(await call('other', `/api/v1/events/${id}/performance`), 404);
    expectProblem(await call('own', '/api/v1/events/nope/performance'), 404);
    const later = await newEvent({ programName: 's' }, END + 90 * MIN);
    expect(expectProblem(await call('operator', `/api/v1/events/${later}/performance`), 409)).toMatch(/is pending: nothing to measure before 2025-07-15T08:00:00.000Z/);
  });
});
