/**
 * The north-bound VEN client against a second instance of our own server playing the utility's
 * VTN: real buildApp, real registry and store in temp dirs, a real socket on a free loopback
 * port, real OAuth2 client credentials. One test clock drives both sides (the upstream's event
 * status and token expiry, the VEN's mirror and reports); the VEN polls every 0.2 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/index.js';
import { validateOpenAdr } from '../../src/api/openadr/index.js';
import type { NorthboundConfig } from '../../src/config/index.js';
import type { Site } from '../../src/domain/index.js';
import { eventWindow, fromOpenAdrEvent } from '../../src/events/index.js';
import { localId, startVenClient, tagOf, type PollResult, type VenClient } from '../../src/runtime/northbound/index.js';
import { silentLogger } from '../../src/runtime/index.js';
import { openRegistry, openStore, seedVens, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import { OTHER_SITE, OWN_SITE } from '../helpers/openadr-api.js';

const T0 = Date.parse('2025-07-15T03:00:00Z');
const VEN_NAME = 'acme-vpp'; // our controller, as the utility knows it
const MIN = 60_000;

interface Side {
  readonly dir: string;
  readonly registry: Registry;
  readonly store: TimeSeriesStore;
}

async function side(prefix: string, clock: { nowMs: number }): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, registry: openRegistry({ dataDir: dir, nowMs: () => clock.nowMs }), store: await openStore({ kind: 'sqlite', dataDir: dir }) };
}

async function closeSide(s: Side): Promise<void> {
  await s.registry.close();
  await s.store.close();
  rmSync(s.dir, { recursive: true, force: true });
}

describe('north-bound VEN client against our own server as the utility VTN', () => {
  const clock = { nowMs: T0 };
  let up: Side;
  let local: Side;
  let vtn: FastifyInstance;
  let vtnUrl: string;
  let operatorToken = '';
  let operator: { clientId: string; clientSecret: string };
  let ven: VenClient;
  let changes = 0;
  const ids: Record<string, string> = {};

  const startVtn = async (port = 0): Promise<void> => {
    vtn = await buildApp({ version: 'utility', sites: () => [], store: up.store, adapters: () => [], nowMs: () => clock.nowMs, registry: up.registry });
    const url = await vtn.listen({ host: '127.0.0.1', port });
    vtnUrl = `${url}/api/v1`;
  };
  const asOperator = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const send = () => fetch(`${vtnUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${operatorToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    let res = await send();
    // The VTN restarted, or the test clock moved past the token's hour.
    if (res.status === 401) {
      operatorToken = await login(operator.clientId, operator.clientSecret);
      res = await send();
    }
    return { status: res.status, json: (await res.json()) as unknown };
  };
  const login = async (clientId: string, clientSecret: string): Promise<string> => {
    const res = await fetch(`${vtnUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  /** A poll that started after everything the test did before calling this. */
  const freshPoll = async (): Promise<PollResult> => {
    await ven.pollOnce();
    return ven.pollOnce();
  };
  const eventAt = (name: string, startIso: string, duration: string, limitKw: number): Record<string, unknown> => ({
    programID: ids['program'],
    eventName: name,
    targets: [{ type: 'VEN_NAME', values: [VEN_NAME] }],
    payloadDescriptors: [{ payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
    intervalPeriod: { start: startIso, duration },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [limitKw] }] }],
  });
  const create = async (key: string, body: Record<string, unknown>): Promise<void> => {
    const res = await asOperator('POST', '/events', body);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    ids[key] = (res.json as { id: string }).id;
  };

  beforeAll(async () => {
    up = await side('vpp-nb-utility-', clock);
    local = await side('vpp-nb-local-', clock);
    // The utility knows our controller as one VEN; our two sites are ours to map.
    const ourVen: Site = { ...OWN_SITE, id: VEN_NAME };
    await seedVens(up.registry, [ourVen], T0);
    await seedVens(local.registry, [OWN_SITE, OTHER_SITE], T0);
    await startVtn();
    operator = await up.registry.clients.add({ role: 'operator' });
    const venCredential = await up.registry.clients.add({ role: 'site', siteId: VEN_NAME });

    const program = await asOperator('POST', '/programs', { programName: 'utility-summer-peak', programLongName: 'Utility summer peak' });
    expect(program.status).toBe(201);
    ids['program'] = (program.json as { id: string }).id;
    await create('e1', eventAt('afternoon peak', '2025-07-15T05:00:00Z', 'PT1H', 450));
    await create('e2', eventAt('evening peak', '2025-07-15T09:00:00Z', 'PT1H', 500));

    const config: NorthboundConfig = {
      vtnUrl, tokenUrl: `${vtnUrl}/auth/token`, clientId: venCredential.clientId, clientSecret: venCredential.clientSecret, venName: VEN_NAME,
      pollS: 0.2, timeoutS: 10, programNames: null, siteIds: [OWN_SITE.id, OTHER_SITE.id],
    };
    ven = startVenClient({
      config, registry: local.registry, store: local.store, sites: () => [OWN_SITE, OTHER_SITE], log: silentLogger(),
      nowMs: () => clock.nowMs, onChange: () => void (changes += 1), reportGraceS: 0, maxBackoffS: 1,
    });
  }, 120_000);

  afterAll(async () => {
    await ven?.stop();
    await vtn?.close();
    if (up !== undefined) await closeSide(up);
    if (local !== undefined) await closeSide(local);
  });

  it('mirrors the upstream program and events locally: our sites targeted, same window and payload', async () => {
    await freshPoll();
    const program = (await local.registry.programs.get(localId(ids['program'] ?? '')));
    expect(program?.body['programName']).toBe('utility-summer-peak');
    const rec = (await local.registry.events.get(localId(ids['e1'] ?? '')));
    expect(rec).not.toBeNull();
    expect(validateOpenAdr('event', rec?.body, 'returned')).toEqual([]);
    const ev = fromOpenAdrEvent(rec?.body);
    expect(ev.programId).toBe(localId(ids['program'] ?? ''));
    expect(ev.targets).toEqual([{ type: 'VEN_NAME', values: [OWN_SITE.id, OTHER_SITE.id] }]);
    expect(eventWindow(ev)).toEqual({ startMs: Date.parse('2025-07-15T05:00:00Z'), endMs: Date.parse('2025-07-15T06:00:00Z') });
    expect(ev.intervals[0]?.signals).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 450 }]);
    expect(tagOf(rec?.body ?? {}, vtnUrl)).toMatchObject({ id: ids['e1'], programID: ids['program'] });
    expect(changes).toBeGreaterThan(0);
  }, 60_000);

  it('repeated polls create nothing new', async () => {
    const programs = (await local.registry.programs.count());
    const events = (await local.registry.events.count());
    for (let i = 0; i < 3; i += 1) {
      const r = await freshPoll();
      expect(r.ok, r.error).toBe(true);
      expect(r.mirror?.created).toEqual([]);
      expect(r.mirror?.updated).toEqual([]);
    }
    expect(await local.registry.programs.count()).toBe(programs);
    expect(await local.registry.events.count()).toBe(events);
    expect(events).toBe(2);
  }, 60_000);

  it('mirrors an upstream update and an upstream cancellation (pending: deleted; running: cancelled)', async () => {
    const put = await asOperator('PUT', `/events/${ids['e2']}`, eventAt('evening peak', '2025-07-15T09:00:00Z', 'PT1H', 350));
    expect(put.status).toBe(200);
    await freshPoll();
    expect(fromOpenAdrEvent((await local.registry.events.get(localId(ids['e2'] ?? '')))?.body).intervals[0]?.signals).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 350 }]);

    expect((await asOperator('DELETE', `/events/${ids['e2']}`)).status).toBe(200);
    await create('e3', eventAt('running now', '2025-07-15T02:30:00Z', 'PT1H', 600));
    await freshPoll();
    expect(await local.registry.events.get(localId(ids['e2'] ?? ''))).toBeNull();
    expect((await local.registry.events.get(localId(ids['e3'] ?? '')))?.cancelledMs).toBeNull();

    // The utility cancels the running event: its VEN sees it gone.
    expect((await asOperator('DELETE', `/events/${ids['e3']}`)).status).toBe(200);
    await freshPoll();
    expect((await local.registry.events.get(localId(ids['e3'] ?? '')))?.cancelledMs).toBe(clock.nowMs);
    expect((await local.registry.events.list()).map((r) => r.id)).toEqual([localId(ids['e1'] ?? '')]);
  }, 60_000);

  it('keeps local events while the VTN is down, backs off, and logs in again when it is back (old token refused)', async () => {
    const { port } = new URL(vtnUrl);
    await vtn.close();
    const failed = await firstValueFrom(ven.polls$.pipe(filter((p) => !p.ok), timeout(60_000)));
    expect(failed.error).toMatch(/NORTHBOUND|ECONNREFUSED|fetch failed|127\.0\.0\.1/);
    expect((await local.registry.events.get(localId(ids['e1'] ?? '')))?.cancelledMs).toBeNull();
    expect(ven.stats().consecutiveFailures).toBeGreaterThan(0);
    // A restarted VTN has forgotten every token: the VEN's first request answers 401.
    await startVtn(Number(port));
    const back = await firstValueFrom(ven.polls$.pipe(filter((p) => p.ok), timeout(60_000)));
    expect(back.mirror?.created).toEqual([]);
    expect(ven.stats().consecutiveFailures).toBe(0);
  }, 120_000);

  it('reports the completed event back: USAGE, DEMAND, BASELINE, DELTA_USAGE per interval, stored upstream once', async () => {
    // Meter data of our two sites: the quarter hour before (the baseline) and the event window.
    const start = Date.parse('2025-07-15T05:00:00Z');
    const points = [];
    for (let t = start - 15 * MIN; t < start + 60 * MIN; t += MIN) {
      const before = t < start;
      points.push({ siteId: OWN_SITE.id, metric: 'gridPowerKw', atMs: t, value: before ? 600 : 400, quality: 'good' as const });
      points.push({ siteId: OTHER_SITE.id, metric: 'gridPowerKw', atMs: t, value: before ? 500 : 440, quality: 'good' as const });
    }
    local.store.writeMetrics(points);
    await local.store.flush();

    clock.nowMs = Date.parse('2025-07-15T06:00:30Z');
    const r = await firstValueFrom(ven.polls$.pipe(filter((p) => p.reports.length > 0), timeout(60_000)));
    expect(r.reports).toEqual([{ eventId: localId(ids['e1'] ?? ''), result: 'sent' }]);

    const stored = await asOperator('GET', `/reports?eventID=${ids['e1']}`);
    expect(stored.status).toBe(200);
    const reports = stored.json as Array<Record<string, unknown>>;
    expect(reports).toHaveLength(1);
    const report = reports[0] ?? {};
    expect(validateOpenAdr('report', report, 'returned')).toEqual([]);
    expect(report).toMatchObject({ programID: ids['program'], eventID: ids['e1'], clientName: VEN_NAME });
    const resources = report['resources'] as Array<{ resourceName: string; intervals: Array<{ payloads: Array<{ type: string; values: number[] }> }> }>;
    expect(resources.map((x) => x.resourceName)).toEqual([OWN_SITE.id, OTHER_SITE.id]);
    const value = (site: number, k: number, type: string): number | undefined => resources[site]?.intervals[k]?.payloads.find((p) => p.type === type)?.values[0];
    expect(resources[0]?.intervals).toHaveLength(4);
    for (let k = 0; k < 4; k += 1) {
      expect(value(0, k, 'DEMAND')).toBeCloseTo(400, 6);
      expect(value(0, k, 'USAGE')).toBeCloseTo(100, 6); // 400 kW x 15 min
      expect(value(0, k, 'BASELINE')).toBeCloseTo(600, 6); // meter before: the quarter hour before the start
      expect(value(0, k, 'DELTA_USAGE')).toBeCloseTo(-50, 6);
      expect(value(1, k, 'DELTA_USAGE')).toBeCloseTo(-15, 6); // (440 - 500) kW x 0.25 h
    }
    expect(tagOf((await local.registry.events.get(localId(ids['e1'] ?? '')))?.body ?? {}, vtnUrl)?.report?.id).toBe(report['id']);

    // Never twice: later polls send nothing, and the VTN still holds one report.
    for (let i = 0; i < 3; i += 1) expect((await freshPoll()).reports).toEqual([]);
    expect(((await asOperator('GET', `/reports?eventID=${ids['e1']}`)).json as unknown[]).length).toBe(1);
  }, 120_000);
});
