import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectOpenAdr, expectOpenAdrList } from '../helpers/openadr.js';
import { eventBody, expectProblem, OTHER_SITE, OWN_SITE, openAdrApi, PROGRAM, type OpenAdrApi } from '../helpers/openadr-api.js';

/** OpenADR 3.0.1 programs and events through the real app, registry and auth. */
let t: OpenAdrApi;
beforeEach(async () => {
  t = await openAdrApi();
}, 60_000);
afterEach(async () => {
  await t.close();
});

const T_START = Date.parse('2025-07-15T06:00:00Z'); // 14:00 +08:00, the event's start

async function newProgram(body: Record<string, unknown> = PROGRAM): Promise<string> {
  const res = await t.call('operator', 'POST', '/api/v1/programs', body);
  expect(res.statusCode, res.body).toBe(201);
  const p: unknown = res.json();
  expectOpenAdr('program', p);
  return p.id as string;
}

async function newEvent(programID: string, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const res = await t.call('operator', 'POST', '/api/v1/events', eventBody(programID, overrides));
  expect(res.statusCode, res.body).toBe(201);
  const ev: unknown = res.json();
  expectOpenAdr('event', ev);
  return ev as unknown as Record<string, unknown>;
}

describe('programs', () => {
  it('creates, reads, lists, replaces and deletes, filling the server fields', async () => {
    const res = await t.call('operator', 'POST', '/api/v1/programs', { ...PROGRAM, id: 'mine', objectType: 'PROGRAM', createdDateTime: '2000-01-01T00:00:00Z' });
    expect(res.statusCode).toBe(201);
    const p = res.json() as Record<string, unknown>;
    expectOpenAdr('program', p);
    expect(p).toMatchObject({ objectType: 'PROGRAM', programName: 'peak-2025', createdDateTime: '2025-07-15T03:00:00Z', modificationDateTime: '2025-07-15T03:00:00Z' });
    expect(p.id).not.toBe('mine');
    const id = p.id as string;

    const one = await t.call('viewer', 'GET', `/api/v1/programs/${id}`);
    expect(one.json()).toEqual(p);
    const list = await t.call('viewer', 'GET', '/api/v1/programs');
    expectOpenAdrList('program', list.json());
    expect(list.json()).toEqual([p]);

    t.clock.nowMs += 60_000;
    const put = await t.call('operator', 'PUT', `/api/v1/programs/${id}`, { ...PROGRAM, programLongName: 'renamed' });
    expect(put.statusCode, put.body).toBe(200);
    expectOpenAdr('program', put.json());
    expect(put.json()).toMatchObject({ id, programLongName: 'renamed', createdDateTime: '2025-07-15T03:00:00Z', modificationDateTime: '2025-07-15T03:01:00Z' });

    const del = await t.call('operator', 'DELETE', `/api/v1/programs/${id}`);
    expect(del.statusCode).toBe(200);
    expectOpenAdr('program', del.json());
    expectProblem(await t.call('viewer', 'GET', `/api/v1/programs/${id}`), 404);
    expect(await t.registry.programs.count()).toBe(0);
  });

  it('answers 404 problem+json for unknown ids on every method', async () => {
    expectProblem(await t.call('operator', 'GET', '/api/v1/programs/nope'), 404);
    expectProblem(await t.call('operator', 'PUT', '/api/v1/programs/nope', PROGRAM), 404);
    expectProblem(await t.call('operator', 'DELETE', '/api/v1/programs/nope'), 404);
  });

  it('refuses a duplicate programName with 409 and stores nothing more', async () => {
    await newProgram();
    expectProblem(await t.call('operator', 'POST', '/api/v1/programs', PROGRAM), 409);
    expect(await t.registry.programs.count()).toBe(1);
  });

  it.each([
    ['missing programName', { programLongName: 'x' }, 'programName'],
    ['programName a number', { programName: 5 }, 'programName'],
    ['bad timeZoneOffset', { ...PROGRAM, timeZoneOffset: '8 hours' }, 'timeZoneOffset'],
    ['target without values', { ...PROGRAM, targets: [{ type: 'GROUP' }] }, "targets.0: must have required property 'values'"],
    ['not an object', [PROGRAM], 'body'],
  ])('400 naming the field for %s, nothing stored', async (_name, body, field) => {
    const detail = expectProblem(await t.call('operator', 'POST', '/api/v1/programs', body), 400);
    expect(detail).toContain(field);
    expect(await t.registry.programs.count()).toBe(0);
  });

  it('400 for a body that is not JSON', async () => {
    expectProblem(await t.call('operator', 'POST', '/api/v1/programs', '{"programName": '), 400);
    expect(await t.registry.programs.count()).toBe(0);
  });

  it('paginates with skip and limit (0..50, default 50) in creation order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 55; i += 1) {
      t.clock.nowMs += 1000;
      ids.push(await newProgram({ programName: `p-${i}` }));
    }
    const all = (await t.call('viewer', 'GET', '/api/v1/programs')).json() as { id: string }[];
    expect(all.map((p) => p.id)).toEqual(ids.slice(0, 50));
    const page = (await t.call('viewer', 'GET', '/api/v1/programs?skip=50&limit=10')).json() as { id: string }[];
    expect(page.map((p) => p.id)).toEqual(ids.slice(50));
    expect((await t.call('viewer', 'GET', '/api/v1/programs?skip=2&limit=3')).json()).toHaveLength(3);
    expect((await t.call('viewer', 'GET', '/api/v1/programs?limit=0')).json()).toEqual([]);
    expect(expectProblem(await t.call('viewer', 'GET', '/api/v1/programs?limit=51'), 400)).toContain('limit');
    expect(expectProblem(await t.call('viewer', 'GET', '/api/v1/programs?skip=-1'), 400)).toContain('skip');
    expect(expectProblem(await t.call('viewer', 'GET', '/api/v1/programs?limit=ten'), 400)).toContain('limit');
  });

  it('filters by targetType and targetValues', async () => {
    const east = await newProgram();
    const west = await newProgram({ programName: 'west', targets: [{ type: 'GROUP', values: ['west'] }] });
    await newProgram({ programName: 'untargeted' });
    const ids = async (q: string) => ((await t.call('viewer', 'GET', `/api/v1/programs?${q}`)).json() as { id: string }[]).map((p) => p.id);
    expect(await ids('targetType=GROUP')).toEqual([east, west]);
    expect(await ids('targetType=GROUP&targetValues=west')).toEqual([west]);
    expect(await ids('targetType=GROUP&targetValues=west&targetValues=east')).toEqual([east, west]);
    expect(await ids('targetType=VEN_NAME')).toEqual([]);
  });

  it('refuses to delete a program with a pending event (409), allows it once the event is over', async () => {
    const pid = await newProgram();
    await newEvent(pid);
    expectProblem(await t.call('operator', 'DELETE', `/api/v1/programs/${pid}`), 409);
    t.clock.nowMs = T_START + 3 * 3_600_000;
    expect((await t.call('operator', 'DELETE', `/api/v1/programs/${pid}`)).statusCode).toBe(200);
    expect(await t.registry.events.count()).toBe(0);
  });
});

describe('events', () => {
  let pid: string;
  beforeEach(async () => {
    pid = await newProgram();
  });

  it('creates an event with every payload type the controller acts on, and reads it back', async () => {
    const payloads = [
      { type: 'IMPORT_CAPACITY_LIMIT', values: [450] },
      { type: 'EXPORT_CAPACITY_LIMIT', values: [100] },
      { type: 'SIMPLE', values: [2] },
      { type: 'DISPATCH_SETPOINT', values: [-50] },
      { type: 'PRICE', values: [1.2] },
      { type: 'GHG', values: [580] },
    ];
    const ev = await newEvent(pid, { intervals: [{ id: 7, payloads }] });
    expect(ev).toMatchObject({ objectType: 'EVENT', programID: pid, createdDateTime: '2025-07-15T03:00:00Z' });
    const got = await t.call('own', 'GET', `/api/v1/events/${ev.id as string}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(ev);
    const list = (await t.call('viewer', 'GET', '/api/v1/events')).json() as unknown;
    expectOpenAdrList('event', list);
    expect(list).toEqual([ev]);
  });

  it.each([
    ['an unknown programID', { programID: 'no-such' }, 'programID'],
    ['a VEN_NAME of no known site', { targets: [{ type: 'VEN_NAME', values: [OWN_SITE.id, 'plant-9'] }] }, 'targets.0.values.1'],
    ['priority "Infinity"', { priority: 'Infinity' }, 'priority'],
    ['a negative priority', { priority: -1 }, 'priority'],
    ['a bad duration', { intervalPeriod: { start: '2025-07-15T14:00:00+08:00', duration: '1H' } }, 'intervalPeriod.duration'],
    ['no intervals', { intervals: [] }, 'intervals'],
    ['a payload type we do not act on', { intervals: [{ id: 0, payloads: [{ type: 'CURVE', values: [1] }] }] }, 'intervals[0].payloads[0].type'],
    ['a negative import limit', { intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [-5] }] }] }, 'values[0]'],
    ['missing intervals', { intervals: undefined }, 'intervals'],
  ])('400 naming the field for %s, nothing stored', async (_name, overrides, field) => {
    const detail = expectProblem(await t.call('operator', 'POST', '/api/v1/events', eventBody(pid, overrides)), 400);
    expect(detail).toContain(field);
    expect(await t.registry.events.count()).toBe(0);
  });

  it('filters by programID and by target, and a site client sees only what targets it', async () => {
    const other = await newProgram({ programName: 'other' });
    const a = await newEvent(pid);
    const b = await newEvent(other, { targets: [{ type: 'VEN_NAME', values: [OTHER_SITE.id] }] });
    const c = await newEvent(other, { targets: null });
    const d = await newEvent(other, { targets: [{ type: 'GROUP', values: ['east'] }] });
    const ids = async (who: 'viewer' | 'own' | 'other', q = '') =>
      ((await t.call(who, 'GET', `/api/v1/events${q}`)).json() as { id: string }[]).map((e) => e.id);
    expect(await ids('viewer')).toEqual([a.id, b.id, c.id, d.id]);
    expect(await ids('viewer', `?programID=${other}`)).toEqual([b.id, c.id, d.id]);
    expect(await ids('viewer', `?targetType=VEN_NAME&targetValues=${OTHER_SITE.id}`)).toEqual([b.id]);
    expect(await ids('viewer', '?targetType=GROUP')).toEqual([d.id]);
    expect(await ids('own')).toEqual([a.id, c.id]);
    expect(await ids('other')).toEqual([b.id, c.id]);
    expectProblem(await t.call('other', 'GET', `/api/v1/events/${a.id as string}`), 404);
    expect((await t.call('other', 'GET', `/api/v1/events/${b.id as string}`)).statusCode).toBe(200);
  });

  it('replaces a pending event freely; a started one only shortened; a completed one not at all', async () => {
    const ev = await newEvent(pid);
    const id = ev.id as string;
    const raised = eventBody(pid, { intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [500] }] }, { id: 1, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [400] }] }] });
    const put = await t.call('operator', 'PUT', `/api/v1/events/${id}`, raised);
    expect(put.statusCode, put.body).toBe(200);
    expectOpenAdr('event', put.json());
    expect(put.json()).toMatchObject({ id, createdDateTime: ev.createdDateTime });

    t.clock.nowMs = T_START + 30 * 60_000;
    expect(expectProblem(await t.call('operator', 'PUT', `/api/v1/events/${id}`, eventBody(pid)), 409)).toContain('payloads');
    const longer = eventBody(pid, { intervals: [...(raised.intervals as unknown[]), { id: 2, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [400] }] }] });
    expectProblem(await t.call('operator', 'PUT', `/api/v1/events/${id}`, longer), 409);
    expectProblem(await t.call('operator', 'PUT', `/api/v1/events/${id}`, { ...raised, priority: 0 }), 409);
    const shorter = { ...raised, intervals: [(raised.intervals as unknown[])[0]] };
    const ok = await t.call('operator', 'PUT', `/api/v1/events/${id}`, shorter);
    expect(ok.statusCode, ok.body).toBe(200);
    expect((ok.json() as { intervals: unknown[] }).intervals).toHaveLength(1);

    t.clock.nowMs = T_START + 5 * 3_600_000;
    expectProblem(await t.call('operator', 'PUT', `/api/v1/events/${id}`, shorter), 409);
  });

  it('DELETE removes a pending event and cancels a running one (kept, hidden)', async () => {
    const pending = await newEvent(pid);
    const del = await t.call('operator', 'DELETE', `/api/v1/events/${pending.id as string}`);
    expect(del.statusCode).toBe(200);
    expectOpenAdr('event', del.json());
    expect(await t.registry.events.get(pending.id as string)).toBeNull();

    const running = await newEvent(pid);
    const id = running.id as string;
    t.clock.nowMs = T_START + 10 * 60_000;
    const cancel = await t.call('operator', 'DELETE', `/api/v1/events/${id}`);
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json()).toEqual(running);
    expect((await t.registry.events.get(id))?.cancelledMs).toBe(t.clock.nowMs);
    expectProblem(await t.call('viewer', 'GET', `/api/v1/events/${id}`), 404);
    expect((await t.call('viewer', 'GET', '/api/v1/events')).json()).toEqual([]);
    expectProblem(await t.call('operator', 'DELETE', `/api/v1/events/${id}`), 404);
    expectProblem(await t.call('operator', 'PUT', `/api/v1/events/${id}`, eventBody(pid)), 404);
  });

  it('answers 404 for unknown event ids', async () => {
    expectProblem(await t.call('viewer', 'GET', '/api/v1/events/nope'), 404);
    expectProblem(await t.call('operator', 'PUT', '/api/v1/events/nope', eventBody(pid)), 404);
    expectProblem(await t.call('operator', 'DELETE', '/api/v1/events/nope'), 404);
  });
});

describe('vens and resources', () => {
  it('lists the configured sites as vens with their assets as resources', async () => {
    const vens = (await t.call('viewer', 'GET', '/api/v1/vens')).json() as unknown;
    expectOpenAdrList('ven', vens);
    expect(vens.map((v) => v.venName)).toEqual([OWN_SITE.id, OTHER_SITE.id]);
    const own = vens[0]?.id ?? '';
    const res = (await t.call('own', 'GET', `/api/v1/vens/${own}/resources`)).json() as unknown;
    expectOpenAdrList('resource', res);
    expect(res.map((r) => r.resourceName)).toEqual(OWN_SITE.assets.map((a) => a.id));
    expect(res.every((r) => r.venID === own)).toBe(true);
    expect(((await t.call('own', 'GET', '/api/v1/vens')).json() as { venName: string }[]).map((v) => v.venName)).toEqual([OWN_SITE.id]);
    expect((await t.call('viewer', 'GET', `/api/v1/vens?venName=${OTHER_SITE.id}`)).json()).toHaveLength(1);
  });

  it('creates, replaces and deletes vens and resources; venName cannot change', async () => {
    const created = await t.call('operator', 'POST', '/api/v1/vens', { venName: 'plant-3' });
    expect(created.statusCode, created.body).toBe(201);
    const ven = created.json() as { id: string };
    expectOpenAdr('ven', ven);
    expectProblem(await t.call('operator', 'POST', '/api/v1/vens', { venName: 'plant-3' }), 409);
    expect(expectProblem(await t.call('operator', 'PUT', `/api/v1/vens/${ven.id}`, { venName: 'plant-4' }), 400)).toContain('venName');
    const put = await t.call('operator', 'PUT', `/api/v1/vens/${ven.id}`, { venName: 'plant-3', attributes: [{ type: 'TIMEZONE', values: ['Europe/Berlin'] }] });
    expect(put.statusCode).toBe(200);
    expectOpenAdr('ven', put.json());

    const r = await t.call('operator', 'POST', `/api/v1/vens/${ven.id}/resources`, { resourceName: 'pv-1', venID: 'ignored' });
    expect(r.statusCode, r.body).toBe(201);
    const resource = r.json() as { id: string; venID: string };
    expectOpenAdr('resource', resource);
    expect(resource.venID).toBe(ven.id);
    expectProblem(await t.call('operator', 'POST', `/api/v1/vens/${ven.id}/resources`, { resourceName: 'pv-1' }), 409);
    expect(expectProblem(await t.call('operator', 'POST', `/api/v1/vens/${ven.id}/resources`, { resourceName: 7 }), 400)).toContain('resourceName');
    const rput = await t.call('operator', 'PUT', `/api/v1/vens/${ven.id}/resources/${resource.id}`, { resourceName: 'pv-roof' });
    expect(rput.json()).toMatchObject({ id: resource.id, resourceName: 'pv-roof', venID: ven.id });
    expectProblem(await t.call('operator', 'GET', `/api/v1/vens/nope/resources/${resource.id}`), 404);
    expect((await t.call('operator', 'DELETE', `/api/v1/vens/${ven.id}/resources/${resource.id}`)).statusCode).toBe(200);
    expectProblem(await t.call('operator', 'GET', `/api/v1/vens/${ven.id}/resources/${resource.id}`), 404);
    expect((await t.call('operator', 'DELETE', `/api/v1/vens/${ven.id}`)).statusCode).toBe(200);
    expectProblem(await t.call('operator', 'GET', `/api/v1/vens/${ven.id}`), 404);
    expectProblem(await t.call('operator', 'GET', `/api/v1/vens/${ven.id}/resources`), 404);
  });
});
