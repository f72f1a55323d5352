import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegistryChange } from '../../src/store/index.js';
import { expectOpenAdr, expectOpenAdrList } from '../helpers/openadr.js';
import { eventBody, expectProblem, OTHER_SITE, OWN_SITE, openAdrApi, reportBody, subscriptionBody, type OpenAdrApi } from '../helpers/openadr-api.js';

/** OpenADR 3.0.1 reports and subscriptions through the real app, registry and auth; every answer checked against the spec. */
let t: OpenAdrApi;
let programId: string;
let eventId: string;
beforeEach(async () => {
  t = await openAdrApi();
  const p = await t.call('operator', 'POST', '/api/v1/programs', { programName: 'peak-2025' });
  programId = (p.json() as { id: string }).id;
  const e = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId));
  expect(e.statusCode, e.body).toBe(201);
  eventId = (e.json() as { id: string }).id;
}, 60_000);
afterEach(async () => {
  await t.close();
});

async function created(who: 'own' | 'other' | 'operator', url: string, body: unknown, kind: 'report' | 'subscription'): Promise<Record<string, unknown>> {
  const res = await t.call(who, 'POST', url, body);
  expect(res.statusCode, res.body).toBe(201);
  const o: unknown = res.json();
  expectOpenAdr(kind, o);
  return o as unknown as Record<string, unknown>;
}

describe('reports', () => {
  it('a site writes its own report; it is read, listed, filtered, replaced and deleted', async () => {
    const r = await created('own', '/api/v1/reports', { ...reportBody(programId, eventId), id: 'mine', createdDateTime: '2000-01-01T00:00:00Z' }, 'report');
    expect(r).toMatchObject({ objectType: 'REPORT', clientName: OWN_SITE.id, programID: programId, eventID: eventId, createdDateTime: '2025-07-15T03:00:00Z' });
    expect(r.id).not.toBe('mine');
    const id = r.id as string;
    expect((await t.registry.reports.get(id))?.ownerVenId).toBe(OWN_SITE.id);

    for (const who of ['operator', 'viewer', 'own'] as const) {
      const one = await t.call(who, 'GET', `/api/v1/reports/${id}`);
      expect(one.statusCode, who).toBe(200);
      expect(one.json()).toEqual(r);
    }
    expectProblem(await t.call('other', 'GET', `/api/v1/reports/${id}`), 404);
    for (const q of [`programID=${programId}`, `eventID=${eventId}`, `clientName=${OWN_SITE.id}`, '']) {
      const list = await t.call('viewer', 'GET', `/api/v1/reports?${q}`);
      expectOpenAdrList('report', list.json());
      expect(list.json(), q).toEqual([r]);
    }
    for (const q of ['programID=nope', 'eventID=nope', `clientName=${OTHER_SITE.id}`, 'skip=1', 'limit=0']) expect((await t.call('viewer', 'GET', `/api/v1/reports?${q}`)).json(), q).toEqual([]);
    expect((await t.call('other', 'GET', '/api/v1/reports')).json()).toEqual([]);
    expectProblem(await t.call('viewer', 'GET', '/api/v1/reports?limit=51'), 400);

    t.clock.nowMs += 60_000;
    const put = await t.call('own', 'PUT', `/api/v1/reports/${id}`, reportBody(programId, eventId, OWN_SITE.id, { reportName: 'corrected' }));
    expect(put.statusCode, put.body).toBe(200);
    expectOpenAdr('report', put.json());
    expect(put.json()).toMatchObject({ id, reportName: 'corrected', createdDateTime: '2025-07-15T03:00:00Z', modificationDateTime: '2025-07-15T03:01:00Z' });
    expectProblem(await t.call('other', 'PUT', `/api/v1/reports/${id}`, reportBody(programId, eventId, OTHER_SITE.id)), 404);
    expectProblem(await t.call('other', 'DELETE', `/api/v1/reports/${id}`), 404);

    const del = await t.call('own', 'DELETE', `/api/v1/reports/${id}`);
    expect(del.statusCode).toBe(200);
    expectOpenAdr('report', del.json());
    expect(await t.registry.reports.count()).toBe(0);
  });

  it('only a VEN writes reports, and only as itself', async () => {
    expectProblem(await t.call('operator', 'POST', '/api/v1/reports', reportBody(programId, eventId)), 403);
    expectProblem(await t.call('viewer', 'POST', '/api/v1/reports', reportBody(programId, eventId)), 403);
    const detail = expectProblem(await t.call('other', 'POST', '/api/v1/reports', reportBody(programId, eventId, OWN_SITE.id)), 403);
    expect(detail).toContain('clientName');
    // The event is addressed to plant-1 only: plant-2 cannot report on it, even as itself.
    expect(expectProblem(await t.call('other', 'POST', '/api/v1/reports', reportBody(programId, eventId, OTHER_SITE.id)), 400)).toContain('eventID');
    expect(await t.registry.reports.count()).toBe(0);
  });

  it.each([
    ['missing resources', (p: string, e: string) => { const { resources: _r, ...b } = reportBody(p, e); return b; }, 'resources'],
    ['clientName a number', (p: string, e: string) => reportBody(p, e, OWN_SITE.id, { clientName: 5 }), 'clientName'],
    ['unknown program', (_p: string, e: string) => reportBody('nope', e), 'programID'],
    ['unknown event', (p: string) => reportBody(p, 'nope'), 'eventID'],
    ['bad interval duration', (p: string, e: string) => reportBody(p, e, OWN_SITE.id, { resources: [{ resourceName: 'x', intervalPeriod: { start: '2025-07-15T14:00:00Z', duration: '1 hour' }, intervals: [] }] }), 'resources.0.intervalPeriod.duration'],
  ])('400 naming the field for %s, nothing stored', async (_name, build, field) => {
    const detail = expectProblem(await t.call('own', 'POST', '/api/v1/reports', build(programId, eventId)), 400);
    expect(detail).toContain(field);
    expect(await t.registry.reports.count()).toBe(0);
  });

  it('refuses an event of another program', async () => {
    const p2 = await t.call('operator', 'POST', '/api/v1/programs', { programName: 'other' });
    const detail = expectProblem(await t.call('own', 'POST', '/api/v1/reports', reportBody((p2.json() as { id: string }).id, eventId)), 400);
    expect(detail).toMatch(/eventID: event .* belongs to program/);
  });
});

describe('subscriptions', () => {
  it('creates with a signing secret shown once; reads, lists, filters, replaces and deletes', async () => {
    const res = await t.call('own', 'POST', '/api/v1/subscriptions', { ...subscriptionBody(programId), signingSecret: 'chosen-by-client' });
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json() as Record<string, unknown>;
    expectOpenAdr('subscription', s);
    expect(s.signingSecret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const id = s.id as string;
    expect(await t.registry.subscriptions.signingSecret(id)).toBe(s.signingSecret);
    const { signingSecret: _secret, ...stored } = s;

    const one = await t.call('own', 'GET', `/api/v1/subscriptions/${id}`);
    expectOpenAdr('subscription', one.json());
    expect(one.json()).toEqual(stored);
    expect(JSON.stringify(one.json())).not.toContain('whsec_');
    expectProblem(await t.call('other', 'GET', `/api/v1/subscriptions/${id}`), 404);
    // The receiver's credential is not the viewer's to read.
    const seenByViewer = (await t.call('viewer', 'GET', `/api/v1/subscriptions/${id}`)).json() as { objectOperations: { bearerToken: unknown }[] };
    expectOpenAdr('subscription', seenByViewer);
    expect(seenByViewer.objectOperations[0]?.bearerToken).toBeNull();
    expect(JSON.stringify((await t.call('viewer', 'GET', '/api/v1/subscriptions')).json())).not.toContain('receiver-token');
    for (const q of [`programID=${programId}`, `clientName=${OWN_SITE.id}`, 'objects=EVENT', 'objects=REPORT&objects=EVENT', '']) {
      const list = await t.call('operator', 'GET', `/api/v1/subscriptions?${q}`);
      expectOpenAdrList('subscription', list.json());
      expect(list.json(), q).toEqual([stored]);
    }
    for (const q of ['objects=REPORT', 'programID=nope', 'skip=1', 'targetType=VEN_NAME']) expect((await t.call('operator', 'GET', `/api/v1/subscriptions?${q}`)).json(), q).toEqual([]);
    expect((await t.call('other', 'GET', '/api/v1/subscriptions')).json()).toEqual([]);
    expectProblem(await t.call('operator', 'GET', '/api/v1/subscriptions?objects=THING'), 400);

    t.clock.nowMs += 60_000;
    const put = await t.call('own', 'PUT', `/api/v1/subscriptions/${id}`, subscriptionBody(programId, 'https://receiver.example/v2'));
    expect(put.statusCode, put.body).toBe(200);
    expectOpenAdr('subscription', put.json());
    expect(put.json()).toMatchObject({ id, modificationDateTime: '2025-07-15T03:01:00Z' });
    expect(await t.registry.subscriptions.signingSecret(id)).toBe(s.signingSecret);

    expectProblem(await t.call('other', 'DELETE', `/api/v1/subscriptions/${id}`), 404);
    const del = await t.call('own', 'DELETE', `/api/v1/subscriptions/${id}`);
    expect(del.statusCode).toBe(200);
    expectOpenAdr('subscription', del.json());
    expect(await t.registry.subscriptions.count()).toBe(0);
    expect(await t.registry.subscriptions.signingSecret(id)).toBeNull();
  });

  it('an operator subscribes for anyone; a site only as itself', async () => {
    const op = await created('operator', '/api/v1/subscriptions', subscriptionBody(programId, 'https://ops.example/hook', { clientName: 'ops-dashboard' }), 'subscription');
    expect((await t.registry.subscriptions.get(op.id as string))?.ownerVenId).toBeNull();
    expect(expectProblem(await t.call('other', 'POST', '/api/v1/subscriptions', subscriptionBody(programId)), 403)).toContain('clientName');
    expectProblem(await t.call('viewer', 'POST', '/api/v1/subscriptions', subscriptionBody(programId)), 403);
    expectProblem(await t.call(null, 'POST', '/api/v1/subscriptions', subscriptionBody(programId)), 401);
    expect(await t.registry.subscriptions.count()).toBe(1);
  });

  it.each([
    ['missing objectOperations', (p: string) => ({ clientName: OWN_SITE.id, programID: p }), 'objectOperations'],
    ['unknown object type', (p: string) => subscriptionBody(p, 'https://r.example/h', { objectOperations: [{ objects: ['THING'], operations: ['CREATE'], callbackUrl: 'https://r.example/h' }] }), 'objectOperations.0.objects.0'],
    ['callbackUrl not a URI', (p: string) => subscriptionBody(p, 'not a url'), 'objectOperations.0.callbackUrl'],
    ['callbackUrl not http', (p: string) => subscriptionBody(p, 'ftp://r.example/h'), 'objectOperations.0.callbackUrl: must be an http or https URL'],
    ['unknown program', () => subscriptionBody('nope'), 'programID'],
  ])('400 naming the field for %s, nothing stored', async (_name, build, field) => {
    const detail = expectProblem(await t.call('own', 'POST', '/api/v1/subscriptions', build(programId)), 400);
    expect(detail).toContain(field);
    expect(await t.registry.subscriptions.count()).toBe(0);
  });

  it('a site cannot subscribe to a program not addressed to it', async () => {
    const p = await t.call('operator', 'POST', '/api/v1/programs', { programName: 'own-only', targets: [{ type: 'VEN_NAME', values: [OWN_SITE.id] }] });
    const hidden = (p.json() as { id: string }).id;
    expect(expectProblem(await t.call('other', 'POST', '/api/v1/subscriptions', subscriptionBody(hidden, undefined, { clientName: OTHER_SITE.id })), 400)).toContain('programID');
  });
});

describe('registry change feed', () => {
  it('emits POST, PUT and DELETE for every OpenADR kind written through the API', async () => {
    const seen: RegistryChange[] = [];
    const sub = t.registry.changes$.subscribe((c) => seen.push(c));
    const r = await created('own', '/api/v1/reports', reportBody(programId, eventId), 'report');
    await t.call('own', 'PUT', `/api/v1/reports/${String(r.id)}`, reportBody(programId, eventId));
    await t.call('own', 'DELETE', `/api/v1/reports/${String(r.id)}`);
    const s = await created('operator', '/api/v1/subscriptions', subscriptionBody(programId), 'subscription');
    await t.call('operator', 'DELETE', `/api/v1/subscriptions/${String(s.id)}`);
    await t.call('operator', 'PUT', `/api/v1/events/${eventId}`, eventBody(programId, { priority: 2 }));
    await t.call('operator', 'DELETE', `/api/v1/events/${eventId}`);
    const v = await t.call('operator', 'POST', '/api/v1/vens', { venName: 'plant-9' });
    await t.call('operator', 'POST', `/api/v1/vens/${(v.json() as { id: string }).id}/resources`, { resourceName: 'bess' });
    await t.call('operator', 'PUT', `/api/v1/programs/${programId}`, { programName: 'peak-2025', programLongName: 'x' });
    sub.unsubscribe();
    expect(seen.map((c) => `${c.objectType} ${c.operation}`)).toEqual([
      'REPORT POST', 'REPORT PUT', 'REPORT DELETE', 'SUBSCRIPTION POST', 'SUBSCRIPTION DELETE', 'EVENT PUT', 'EVENT DELETE', 'VEN POST', 'RESOURCE POST', 'PROGRAM PUT',
    ]);
    expect(seen[0]).toMatchObject({ ownerVenId: OWN_SITE.id, object: { id: r.id } });
    expect(seen[3]).toMatchObject({ ownerVenId: null });
    expect(JSON.stringify(seen)).not.toContain('whsec_');
  });
});
