import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAdrKind } from '../../src/api/openadr/index.js';
import { seedVens } from '../../src/store/index.js';
import { expectOpenAdr, expectOpenAdrList } from '../helpers/openadr.js';
import { eventBody, expectProblem, OTHER_SITE, OWN_SITE, openAdrApi, reportBody, subscriptionBody, type OpenAdrApi, type Who } from '../helpers/openadr-api.js';

/**
 * Every OpenADR route × anonymous / viewer / operator / site client of the targeted site
 * ("own") / site client of another site ("other"): the expected status, a problem+json body on
 * every refusal, and an OpenADR-valid body on every success. Each case builds its own objects,
 * so a DELETE in one case cannot change another's answer.
 */
let t: OpenAdrApi;
beforeAll(async () => {
  t = await openAdrApi();
}, 60_000);
afterAll(async () => {
  await t.close();
});

const OWN_VEN = OWN_SITE.id; // seedVens uses the site id as the ven id where OpenADR allows it
let n = 0;

interface Fixture {
  readonly programId: string;
  /** A program without events: deletable. */
  readonly emptyProgramId: string;
  readonly eventId: string;
  readonly resourceId: string;
  /** A report the own site wrote on the event, and a subscription of the own site. */
  readonly reportId: string;
  readonly subscriptionId: string;
  readonly n: number;
}

async function fixture(): Promise<Fixture> {
  n += 1;
  await seedVens(t.registry, [OWN_SITE, OTHER_SITE], t.clock.nowMs); // a DELETE case may have removed the ven
  const targets = [{ type: 'VEN_NAME', values: [OWN_SITE.id] }];
  const p = await t.call('operator', 'POST', '/api/v1/programs', { programName: `authz-${n}`, targets });
  const programId = (p.json() as { id: string }).id;
  const empty = await t.call('operator', 'POST', '/api/v1/programs', { programName: `authz-empty-${n}` });
  const e = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId));
  const r = await t.call('operator', 'POST', `/api/v1/vens/${OWN_VEN}/resources`, { resourceName: `asset-${n}` });
  const eventId = (e.json() as { id: string }).id;
  const rep = await t.call('own', 'POST', '/api/v1/reports', reportBody(programId, eventId));
  const sub = await t.call('own', 'POST', '/api/v1/subscriptions', subscriptionBody(programId));
  expect([p.statusCode, empty.statusCode, e.statusCode, r.statusCode, rep.statusCode, sub.statusCode]).toEqual([201, 201, 201, 201, 201, 201]);
  const idOf = (res: { json(): unknown }): string => (res.json() as { id: string }).id;
  return { programId, emptyProgramId: idOf(empty), eventId, resourceId: idOf(r), reportId: idOf(rep), subscriptionId: idOf(sub), n };
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** Expected status for anonymous, viewer, operator, own site, other site. */
type Expect = readonly [number, number, number, number, number];
interface Route {
  readonly method: Method;
  readonly path: string;
  readonly url: (f: Fixture) => string;
  readonly body?: (f: Fixture) => unknown;
  readonly kind: OpenAdrKind;
  readonly list?: boolean;
  readonly expect: Expect;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/programs', url: () => '/programs', kind: 'program', list: true, expect: [401, 200, 200, 200, 200] },
  { method: 'POST', path: '/programs', url: () => '/programs', body: (f) => ({ programName: `new-${f.n}` }), kind: 'program', expect: [401, 403, 201, 403, 403] },
  { method: 'GET', path: '/programs/{id}', url: (f) => `/programs/${f.programId}`, kind: 'program', expect: [401, 200, 200, 200, 404] },
  { method: 'PUT', path: '/programs/{id}', url: (f) => `/programs/${f.programId}`, body: (f) => ({ programName: `authz-${f.n}`, programLongName: 'x' }), kind: 'program', expect: [401, 403, 200, 403, 403] },
  { method: 'DELETE', path: '/programs/{id}', url: (f) => `/programs/${f.emptyProgramId}`, kind: 'program', expect: [401, 403, 200, 403, 403] },
  { method: 'GET', path: '/events', url: () => '/events', kind: 'event', list: true, expect: [401, 200, 200, 200, 200] },
  { method: 'POST', path: '/events', url: () => '/events', body: (f) => eventBody(f.programId), kind: 'event', expect: [401, 403, 201, 403, 403] },
  { method: 'GET', path: '/events/{id}', url: (f) => `/events/${f.eventId}`, kind: 'event', expect: [401, 200, 200, 200, 404] },
  { method: 'PUT', path: '/events/{id}', url: (f) => `/events/${f.eventId}`, body: (f) => eventBody(f.programId, { priority: 3 }), kind: 'event', expect: [401, 403, 200, 403, 403] },
  { method: 'DELETE', path: '/events/{id}', url: (f) => `/events/${f.eventId}`, kind: 'event', expect: [401, 403, 200, 403, 403] },
  { method: 'GET', path: '/vens', url: () => '/vens', kind: 'ven', list: true, expect: [401, 200, 200, 200, 200] },
  { method: 'POST', path: '/vens', url: () => '/vens', body: (f) => ({ venName: `plant-new-${f.n}` }), kind: 'ven', expect: [401, 403, 201, 403, 403] },
  { method: 'GET', path: '/vens/{id}', url: () => `/vens/${OWN_VEN}`, kind: 'ven', expect: [401, 200, 200, 200, 403] },
  { method: 'PUT', path: '/vens/{id}', url: () => `/vens/${OWN_VEN}`, body: () => ({ venName: OWN_SITE.id }), kind: 'ven', expect: [401, 403, 200, 200, 403] },
  { method: 'DELETE', path: '/vens/{id}', url: () => `/vens/${OWN_VEN}`, kind: 'ven', expect: [401, 403, 200, 403, 403] },
  { method: 'GET', path: '/vens/{id}/resources', url: () => `/vens/${OWN_VEN}/resources`, kind: 'resource', list: true, expect: [401, 200, 200, 200, 403] },
  { method: 'POST', path: '/vens/{id}/resources', url: () => `/vens/${OWN_VEN}/resources`, body: (f) => ({ resourceName: `added-${f.n}` }), kind: 'resource', expect: [401, 403, 201, 201, 403] },
  { method: 'GET', path: '/vens/{id}/resources/{id}', url: (f) => `/vens/${OWN_VEN}/resources/${f.resourceId}`, kind: 'resource', expect: [401, 200, 200, 200, 403] },
  { method: 'PUT', path: '/vens/{id}/resources/{id}', url: (f) => `/vens/${OWN_VEN}/resources/${f.resourceId}`, body: (f) => ({ resourceName: `renamed-${f.n}` }), kind: 'resource', expect: [401, 403, 200, 200, 403] },
  { method: 'DELETE', path: '/vens/{id}/resources/{id}', url: (f) => `/vens/${OWN_VEN}/resources/${f.resourceId}`, kind: 'resource', expect: [401, 403, 200, 200, 403] },
  // Reports: only VENs write (as themselves); a site reads only its own.
  { method: 'GET', path: '/reports', url: () => '/reports', kind: 'report', list: true, expect: [401, 200, 200, 200, 200] },
  { method: 'POST', path: '/reports', url: () => '/reports', body: (f) => reportBody(f.programId, f.eventId), kind: 'report', expect: [401, 403, 403, 201, 403] },
  { method: 'GET', path: '/reports/{id}', url: (f) => `/reports/${f.reportId}`, kind: 'report', expect: [401, 200, 200, 200, 404] },
  { method: 'PUT', path: '/reports/{id}', url: (f) => `/reports/${f.reportId}`, body: (f) => reportBody(f.programId, f.eventId, OWN_SITE.id, { reportName: 'again' }), kind: 'report', expect: [401, 403, 403, 200, 404] },
  { method: 'DELETE', path: '/reports/{id}', url: (f) => `/reports/${f.reportId}`, kind: 'report', expect: [401, 403, 403, 200, 404] },
  // Subscriptions: the operator any, a site only its own.
  { method: 'GET', path: '/subscriptions', url: () => '/subscriptions', kind: 'subscription', list: true, expect: [401, 200, 200, 200, 200] },
  { method: 'POST', path: '/subscriptions', url: () => '/subscriptions', body: (f) => subscriptionBody(f.programId), kind: 'subscription', expect: [401, 403, 201, 201, 403] },
  { method: 'GET', path: '/subscriptions/{id}', url: (f) => `/subscriptions/${f.subscriptionId}`, kind: 'subscription', expect: [401, 200, 200, 200, 404] },
  { method: 'PUT', path: '/subscriptions/{id}', url: (f) => `/subscriptions/${f.subscriptionId}`, body: (f) => subscriptionBody(f.programId, 'https://receiver.example/v2'), kind: 'subscription', expect: [401, 403, 200, 200, 404] },
  { method: 'DELETE', path: '/subscriptions/{id}', url: (f) => `/subscriptions/${f.subscriptionId}`, kind: 'subscription', expect: [401, 403, 200, 200, 404] },
];

const WHOS: readonly Who[] = [null, 'viewer', 'operator', 'own', 'other'];
const CASES = ROUTES.flatMap((r) => WHOS.map((who, i) => [`${r.method} ${r.path}`, who ?? 'anonymous', r, who, r.expect[i] ?? 0] as const));

describe('OpenADR routes: authorisation matrix', () => {
  it.each(CASES)('%s as %s', async (_route, _name, route, who, status) => {
    const f = await fixture();
    const res = await t.call(who, route.method, `/api/v1${route.url(f)}`, route.body?.(f));
    if (status >= 400) {
      expectProblem(res, status);
      if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      return;
    }
    expect(res.statusCode, res.body).toBe(status);
    const body: unknown = res.json();
    if (route.list === true) expectOpenAdrList(route.kind, body);
    else expectOpenAdr(route.kind, body);
  });

  it('lists only what a site client may see', async () => {
    await fixture();
    const programs = (await t.call('other', 'GET', '/api/v1/programs')).json() as { targets?: { values: string[] }[] }[];
    expect(programs.every((p) => !JSON.stringify(p.targets ?? []).includes(OWN_SITE.id))).toBe(true);
    const vens = (await t.call('other', 'GET', '/api/v1/vens')).json() as { venName: string }[];
    expect(vens.map((v) => v.venName)).toEqual([OTHER_SITE.id]);
    expect((await t.call('other', 'GET', `/api/v1/vens?venName=${OWN_SITE.id}`)).json()).toEqual([]);
    for (const kind of ['reports', 'subscriptions']) {
      const own = (await t.call('own', 'GET', `/api/v1/${kind}?limit=50`)).json() as { clientName: string }[];
      expect(own.length, kind).toBeGreaterThan(0);
      expect(own.every((o) => o.clientName === OWN_SITE.id), kind).toBe(true);
      expect((await t.call('other', 'GET', `/api/v1/${kind}`)).json(), kind).toEqual([]);
    }
  });
});

// Our extensions (issue 7): enrolments, opt-outs, the dispatch record. Same five callers; a
// site client reaches only its own ven's enrolments and the events that reach it.
interface ExtRoute {
  readonly method: Method;
  readonly path: string;
  readonly url: (f: Fixture) => string;
  readonly body?: (f: Fixture) => unknown;
  /** What a success answers: one enrolment, a list, an opt-out, or the dispatch record. */
  readonly shape: 'enrolment' | 'list' | 'optOut' | 'allocation';
  readonly expect: Expect;
}

const EXT_ROUTES: readonly ExtRoute[] = [
  { method: 'GET', path: '/vens/{id}/enrolments', url: () => `/vens/${OWN_VEN}/enrolments`, shape: 'list', expect: [401, 200, 200, 200, 403] },
  { method: 'GET', path: '/programs/{id}/enrolments', url: (f) => `/programs/${f.programId}/enrolments`, shape: 'list', expect: [401, 200, 200, 200, 200] },
  { method: 'GET', path: '/vens/{id}/enrolments/{programID}', url: (f) => `/vens/${OWN_VEN}/enrolments/${f.programId}`, shape: 'enrolment', expect: [401, 200, 200, 200, 403] },
  { method: 'PUT', path: '/vens/{id}/enrolments/{programID}', url: (f) => `/vens/${OWN_VEN}/enrolments/${f.programId}`, body: () => ({ limits: { maxShedKw: 50 } }), shape: 'enrolment', expect: [401, 403, 200, 200, 403] },
  { method: 'DELETE', path: '/vens/{id}/enrolments/{programID}', url: (f) => `/vens/${OWN_VEN}/enrolments/${f.programId}`, shape: 'enrolment', expect: [401, 403, 200, 200, 403] },
  { method: 'POST', path: '/events/{id}/opt-outs', url: (f) => `/events/${f.eventId}/opt-outs`, body: () => ({ venID: OWN_VEN }), shape: 'optOut', expect: [401, 403, 201, 201, 403] },
  { method: 'GET', path: '/events/{id}/opt-outs', url: (f) => `/events/${f.eventId}/opt-outs`, shape: 'list', expect: [401, 200, 200, 200, 404] },
  { method: 'GET', path: '/events/{id}/allocation', url: (f) => `/events/${f.eventId}/allocation`, shape: 'allocation', expect: [401, 200, 200, 200, 404] },
];
const EXT_CASES = EXT_ROUTES.flatMap((r) => WHOS.map((who, i) => [`${r.method} ${r.path}`, who ?? 'anonymous', r, who, r.expect[i] ?? 0] as const));

describe('enrolment, opt-out and allocation routes: authorisation matrix', () => {
  it.each(EXT_CASES)('%s as %s', async (_route, _name, route, who, status) => {
    const f = await fixture();
    const limits = { maxEventsPerDay: 2 };
    await t.registry.enrolments.put(f.programId, OWN_VEN, { programId: f.programId, siteId: OWN_SITE.id, timezone: OWN_SITE.timezone, assetIds: [], limits, createdAtMs: t.clock.nowMs, modifiedAtMs: t.clock.nowMs }, t.clock.nowMs);
    const before = (await t.registry.enrolments.get(f.programId, OWN_VEN));
    const res = await t.call(who, route.method, `/api/v1${route.url(f)}`, route.body?.(f));
    if (status >= 400) {
      expectProblem(res, status);
      if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      // A refused write changes nothing.
      expect(await t.registry.enrolments.get(f.programId, OWN_VEN)).toEqual(before);
      expect(await t.registry.enrolments.optOuts(f.eventId)).toEqual([]);
      return;
    }
    expect(res.statusCode, res.body).toBe(status);
    const body = res.json() as Record<string, unknown>;
    if (route.shape === 'list') expect(Array.isArray(body)).toBe(true);
    if (route.shape === 'enrolment') expect(body).toMatchObject({ objectType: 'ENROLMENT', programID: f.programId, venID: OWN_VEN, siteId: OWN_SITE.id });
    if (route.shape === 'optOut') expect(body).toMatchObject({ objectType: 'OPT_OUT', eventID: f.eventId, venID: OWN_VEN });
    if (route.shape === 'allocation') expect(body).toMatchObject({ eventId: f.eventId, records: [] });
  });

  it("a site client's lists hold only its own enrolments and opt-outs", async () => {
    const f = await fixture();
    await t.registry.enrolments.put(f.programId, OWN_VEN, { programId: f.programId, siteId: OWN_SITE.id, timezone: OWN_SITE.timezone, assetIds: [], limits: {}, createdAtMs: t.clock.nowMs, modifiedAtMs: t.clock.nowMs }, t.clock.nowMs);
    expect((await t.call('other', 'GET', `/api/v1/programs/${f.programId}/enrolments`)).json()).toEqual([]);
    expect((await t.call('own', 'GET', `/api/v1/programs/${f.programId}/enrolments`)).json()).toHaveLength(1);
  });
});
