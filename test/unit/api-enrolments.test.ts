import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnrolment } from '../../src/events/index.js';
import { eventBody, expectProblem, OTHER_SITE, OWN_SITE, openAdrApi, type OpenAdrApi } from '../helpers/openadr-api.js';

/**
 * Enrolments and opt-outs (issue 7, our extension) against the real app over a real registry:
 * what is stored is what parseEnrolment reads back, every refusal names the field and stores
 * nothing, and opt-outs follow the event's start.
 */
let t: OpenAdrApi;
let programId: string;
const OWN_VEN = OWN_SITE.id;
const url = (program = programId, ven = OWN_VEN): string => `/api/v1/vens/${ven}/enrolments/${program}`;

beforeAll(async () => {
  t = await openAdrApi();
  const p = await t.call('operator', 'POST', '/api/v1/programs', { programName: 'enrol-test' });
  expect(p.statusCode).toBe(201);
  programId = (p.json() as { id: string }).id;
}, 60_000);
afterAll(async () => {
  await t.close();
});

describe('enrolment API', () => {
  it('creates (201), reads, replaces (200) and deletes an enrolment; the stored body parses', async () => {
    const limits = { maxEventDurationS: 3600, maxEventsPerDay: 2, maxEventsPerWeek: 5, minNoticeS: 600, maxShedKw: 120, socFloorPct: { bess: 30 } };
    const created = await t.call('own', 'PUT', url(), { limits });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ objectType: 'ENROLMENT', programID: programId, venID: OWN_VEN, siteId: OWN_SITE.id, timezone: 'Asia/Shanghai', assetIds: ['grid', 'bess'], limits });
    const stored = (await t.registry.enrolments.get(programId, OWN_VEN));
    expect(parseEnrolment(stored?.body)).toMatchObject({ programId, siteId: OWN_SITE.id, limits });

    expect((await t.call('viewer', 'GET', url())).json()).toMatchObject({ limits });
    expect((await t.call('operator', 'GET', `/api/v1/vens/${OWN_VEN}/enrolments`)).json()).toHaveLength(1);
    expect((await t.call('other', 'GET', `/api/v1/programs/${programId}/enrolments`)).json()).toEqual([]);
    expect((await t.call('own', 'GET', `/api/v1/programs/${programId}/enrolments`)).json()).toHaveLength(1);

    const replaced = await t.call('operator', 'PUT', url(), { assetIds: ['bess'], limits: { maxShedKw: 80 } });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({ assetIds: ['bess'], limits: { maxShedKw: 80 } });
    expect((await t.registry.enrolments.get(programId, OWN_VEN))?.createdMs).toBe(stored?.createdMs);

    const deleted = await t.call('own', 'DELETE', url());
    expect(deleted.statusCode).toBe(200);
    expect(await t.registry.enrolments.get(programId, OWN_VEN)).toBeNull();
    expectProblem(await t.call('own', 'GET', url()), 404);
  });

  it.each([
    [{ limits: { maxShedKw: 0 } }, 'limits.maxShedKw'],
    [{ limits: { maxEventsPerDay: 1.5 } }, 'limits.maxEventsPerDay'],
    [{ limits: { socFloorPct: { bess: 101 } } }, 'limits.socFloorPct.bess'],
    [{ limits: { socFloorPct: { nope: 20 } } }, 'limits.socFloorPct.nope'],
    [{ limits: { evDepartures: { bess: { departs: '25:00', energyNeededKwh: 5 } } } }, 'limits.evDepartures.bess.departs'],
    [{ limits: { maxShedKwh: 5 } }, 'limits'],
    [{ assetIds: ['bess', 'ghost'] }, 'assetIds[1]'],
    [{ assetIds: ['bess', 'bess'] }, 'assetIds'],
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
    [{ limits: { minNoticeS: '600' } }, 'limits.minNoticeS'],
    [[], 'body'],
  ])('refuses %j with a 400 naming %s, storing nothing', async (body, field) => {
    const res = await t.call('operator', 'PUT', url(), body);
    const detail = expectProblem(res, 400);
    expect(detail).toContain(field);
    expect(await t.registry.enrolments.get(programId, OWN_VEN)).toBeNull();
  });

  it('404 for an unknown ven or program; a site client cannot touch another ven (403)', async () => {
    expectProblem(await t.call('operator', 'PUT', url(programId, 'nope'), {}), 404);
    expectProblem(await t.call('operator', 'PUT', url('nope'), {}), 404);
    expectProblem(await t.call('other', 'PUT', url(), {}), 403);
    expectProblem(await t.call('viewer', 'PUT', url(), {}), 403);
    expectProblem(await t.call(null, 'PUT', url(), {}), 401);
    expect(await t.registry.enrolments.list()).toEqual([]);
  });
});

describe('opt-outs', () => {
  it('a site opts out before the start (201, then 200), not after (409); recorded and listed', async () => {
    const e = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId, { targets: [{ type: 'VEN_NAME', values: [OWN_SITE.id, OTHER_SITE.id] }] }));
    expect(e.statusCode).toBe(201);
    const eventId = (e.json() as { id: string }).id;
    const path = `/api/v1/events/${eventId}/opt-outs`;
    expectProblem(await t.call('other', 'POST', path, { venID: OWN_VEN }), 403);
    expectProblem(await t.call('viewer', 'POST', path, { venID: OWN_VEN }), 403);
    expectProblem(await t.call('own', 'POST', path, { venID: OWN_VEN, extra: 1 }), 400);
    const first = await t.call('own', 'POST', path, { venID: OWN_VEN, reason: 'maintenance' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ objectType: 'OPT_OUT', eventID: eventId, venID: OWN_VEN, siteId: OWN_SITE.id, reason: 'maintenance' });
    expect((await t.call('own', 'POST', path, { venID: OWN_VEN })).statusCode).toBe(200);
    expect((await t.call('operator', 'GET', path)).json()).toHaveLength(1);
    expect((await t.call('other', 'GET', path)).json()).toEqual([]);

    const saved = t.clock.nowMs;
    t.clock.nowMs = Date.parse('2025-07-15T14:00:00+08:00');
    try {
      const late = await t.call('operator', 'POST', path, { venID: OTHER_SITE.id });
      expect(expectProblem(late, 409)).toMatch(/before the start/);
    } finally {
      t.clock.nowMs = saved;
    }
    expect((await t.registry.enrolments.optOuts(eventId)).map((o) => o.venId)).toEqual([OWN_VEN]);
  });

  it('404 for an event that does not reach the ven', async () => {
    const e = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId, { targets: [{ type: 'VEN_NAME', values: [OTHER_SITE.id] }] }));
    const path = `/api/v1/events/${(e.json() as { id: string }).id}/opt-outs`;
    expectProblem(await t.call('own', 'POST', path, { venID: OWN_VEN }), 404);
  });

  it('a GROUP event reaches the vens whose targets name the group', async () => {
    const ven = (await t.registry.vens.get(OWN_VEN));
    await t.registry.vens.update(OWN_VEN, { ...ven?.body, targets: [{ type: 'GROUP', values: ['east'] }] }, t.clock.nowMs);
    const e = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId, { targets: [{ type: 'GROUP', values: ['east'] }] }));
    const path = `/api/v1/events/${(e.json() as { id: string }).id}/opt-outs`;
    expect((await t.call('own', 'POST', path, { venID: OWN_VEN })).statusCode).toBe(201);
    expectProblem(await t.call('operator', 'POST', path, { venID: OTHER_SITE.id }), 404);
    const alloc = await t.call('own', 'GET', `/api/v1/events/${(e.json() as { id: string }).id}/allocation`);
    expect(alloc.statusCode).toBe(200);
    expect(alloc.json()).toMatchObject({ current: null, records: [] });
  });
});

describe('documentation', () => {
  it('/docs/json documents the enrolment, opt-out and allocation routes with their body schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = (res.json() as { paths: Record<string, Record<string, { requestBody?: unknown; description?: string }>> }).paths;
    expect(paths['/api/v1/vens/{venID}/enrolments/{programID}']?.put?.requestBody).toBeDefined();
    expect(paths['/api/v1/vens/{venID}/enrolments/{programID}']?.put?.description).toMatch(/never dispatches an event past them/);
    expect(paths['/api/v1/events/{eventID}/opt-outs']?.post?.requestBody).toBeDefined();
    expect(paths['/api/v1/events/{eventID}/allocation']?.get?.description).toMatch(/Re-allocated when a site fails/);
  });
});
