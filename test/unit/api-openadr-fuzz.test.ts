import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateOpenAdr, type OpenAdrKind } from '../../src/api/openadr/index.js';
import { sampleFuzzBodies, type FuzzBody } from '../helpers/fuzz-bodies.js';
import { expectOpenAdr } from '../helpers/openadr.js';
import { eventBody, OWN_SITE, openAdrApi, type OpenAdrApi } from '../helpers/openadr-api.js';

/**
 * 1,000 fast-check bodies per kind (valid ones and ones with one mistake each) posted to the
 * real routes: never a 500, a refusal stores nothing, every 201 answer and every stored object
 * validates against OpenADR 3.0.1, and the table holds exactly the 201s.
 */
let t: OpenAdrApi;
let programId: string;
beforeAll(async () => {
  t = await openAdrApi();
  const res = await t.call('operator', 'POST', '/api/v1/programs', { programName: 'fuzz-target' });
  expect(res.statusCode).toBe(201);
  programId = (res.json() as { id: string }).id;
}, 60_000);
afterAll(async () => {
  await t.close();
});

interface Tally {
  readonly byStatus: Map<number, number>;
  created: number;
}

async function postAll(kind: OpenAdrKind, url: string, bodies: readonly FuzzBody[], count: () => Promise<number>, adjust: (b: FuzzBody) => string = (b) => b.json, who: 'operator' | 'own' = 'operator'): Promise<Tally> {
  const tally: Tally = { byStatus: new Map(), created: 0 };
  for (const [i, b] of bodies.entries()) {
    const before = await count();
    const res = await t.call(who, 'POST', url, adjust(b));
    const where = `body ${i} (${b.mutation}): ${b.json.slice(0, 300)}\n-> ${res.statusCode} ${res.body.slice(0, 300)}`;
    tally.byStatus.set(res.statusCode, (tally.byStatus.get(res.statusCode) ?? 0) + 1);
    expect(res.statusCode, where).toBeLessThan(500);
    if (res.statusCode === 201) {
      tally.created += 1;
      expect(b.specValid, where).toBe(true);
      expectOpenAdr(kind, res.json());
      expect(await count(), where).toBe(before + 1);
    } else {
      expect([400, 409], where).toContain(res.statusCode);
      expect(res.headers['content-type'], where).toMatch(/^application\/problem\+json/);
      expect(await count(), where).toBe(before);
    }
  }
  return tally;
}

describe('fuzzed OpenADR bodies', () => {
  it('1,000 program bodies: no 500, no partial write, everything stored validates', async () => {
    const before = await t.registry.programs.count();
    const tally = await postAll('program', '/api/v1/programs', sampleFuzzBodies('program', 1000), () => t.registry.programs.count());
    expect(await t.registry.programs.count()).toBe(before + tally.created);
    expect(tally.created).toBeGreaterThan(50);
    for (const r of (await t.registry.programs.list({ includeHidden: true }))) expect(validateOpenAdr('program', r.body, 'returned'), r.id).toEqual([]);
    console.info('programs by status', Object.fromEntries(tally.byStatus));
  }, 120_000);

  it('1,000 event bodies (programID pointed at a real program): no 500, no partial write', async () => {
    const before = await t.registry.events.count();
    // With a random programID nearly every body would stop at the program check; aim them at a
    // real one (only where the body has a string programID, so a mutation there stays).
    const aim = (b: FuzzBody): string => {
      const body = b.body as Record<string, unknown> | undefined;
      if (b.mutation === 'badJson' || typeof body !== 'object' || body === null || Array.isArray(body) || typeof body['programID'] !== 'string') return b.json;
      return JSON.stringify({ ...body, programID: programId });
    };
    const tally = await postAll('event', '/api/v1/events', sampleFuzzBodies('event', 1000), () => t.registry.events.count(), aim);
    expect(await t.registry.events.count()).toBe(before + tally.created);
    for (const r of (await t.registry.events.list({ includeHidden: true }))) expect(validateOpenAdr('event', r.body, 'returned'), r.id).toEqual([]);
    console.info('events by status', Object.fromEntries(tally.byStatus), 'created', tally.created);
  }, 120_000);

  it('1,000 events the controller could act on, each with random values: no 500, no partial write', async () => {
    // The schema-built bodies above rarely carry payloads this controller acts on; these do,
    // with values, durations, priorities and targets drawn from valid and invalid ones.
    const anything = fc.oneof(fc.integer({ min: -1000, max: 5000 }), fc.double(), fc.constantFrom('Infinity', 'NaN', null, '5', true, [], {}));
    const payloadType = fc.constantFrom('IMPORT_CAPACITY_LIMIT', 'EXPORT_CAPACITY_LIMIT', 'SIMPLE', 'DISPATCH_SETPOINT', 'PRICE', 'GHG', 'USAGE');
    // Mostly valid choices, so that both the 201 and the 400 paths are well exercised.
    const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>): fc.Arbitrary<T | U> => fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: bad, weight: 1 });
    const arb = fc.record({
      priority: mostly(fc.nat(10), anything),
      duration: mostly(fc.constantFrom('PT1H', 'PT15M', 'PT0S', 'P1D'), fc.constantFrom('P1M', '-PT1H', 'PT', '1H', 5)),
      randomizeStart: mostly(fc.constantFrom('PT0S', 'PT5M'), fc.constantFrom('P1Y', 'x')),
      venName: mostly(fc.constantFrom(OWN_SITE.id, 'plant-2'), fc.constantFrom('plant-9', 7)),
      intervals: fc.array(
        fc.record({ id: mostly(fc.nat(100), anything), type: payloadType, values: mostly(fc.tuple(fc.integer({ min: 0, max: 3 })), fc.array(anything, { maxLength: 2 })) }),
        { minLength: 1, maxLength: 3 },
      ),
    });
    const bodies = fc.sample(arb, { numRuns: 1000, seed: 11 }).map((r): FuzzBody => {
      const body = eventBody(programId, {
        priority: r.priority,
        targets: [{ type: 'VEN_NAME', values: [r.venName] }],
        intervalPeriod: { start: '2025-07-15T14:00:00+08:00', duration: r.duration, randomizeStart: r.randomizeStart },
        intervals: r.intervals.map((i) => ({ id: i.id, payloads: [{ type: i.type, values: i.values }] })),
      });
      const problems = validateOpenAdr('event', body);
      return { kind: 'event', mutation: 'none', body, json: JSON.stringify(body), specValid: problems.length === 0, problems };
    });
    const before = await t.registry.events.count();
    const tally = await postAll('event', '/api/v1/events', bodies, () => t.registry.events.count());
    expect(await t.registry.events.count()).toBe(before + tally.created);
    expect(tally.created).toBeGreaterThan(50);
    for (const r of (await t.registry.events.list({ includeHidden: true }))) expect(validateOpenAdr('event', r.body, 'returned'), r.id).toEqual([]);
    console.info('controller events by status', Object.fromEntries(tally.byStatus), 'created', tally.created);
  }, 120_000);

  /**
   * Points reference fields of a fuzzed body at real objects, so bodies get past the reference
   * checks; only fields whose value the schema accepts (1..128 characters, ids URL-safe), so a
   * mutation there stays and the body's spec verdict holds.
   */
  function aimAt(fields: Readonly<Record<string, string>>): (b: FuzzBody) => string {
    const valid = (k: string, v: unknown): boolean => typeof v === 'string' && (k === 'clientName' ? v.length >= 1 && v.length <= 128 : /^[a-zA-Z0-9_-]{1,128}$/.test(v));
    return (b) => {
      const body = b.body as Record<string, unknown> | undefined;
      if (b.mutation === 'badJson' || typeof body !== 'object' || body === null || Array.isArray(body)) return b.json;
      const aimed = Object.fromEntries(Object.entries(fields).filter(([k]) => valid(k, body[k])));
      return JSON.stringify({ ...body, ...aimed });
    };
  }

  it('1,000 report bodies from a VEN (program, event and clientName aimed at its own): no 500, no partial write', async () => {
    const ev = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId));
    expect(ev.statusCode, ev.body).toBe(201);
    const aim = aimAt({ programID: programId, eventID: (ev.json() as { id: string }).id, clientName: OWN_SITE.id });
    const before = await t.registry.reports.count();
    const tally = await postAll('report', '/api/v1/reports', sampleFuzzBodies('report', 1000), () => t.registry.reports.count(), aim, 'own');
    expect(await t.registry.reports.count()).toBe(before + tally.created);
    expect(tally.created).toBeGreaterThan(50);
    for (const r of (await t.registry.reports.list())) {
      expect(validateOpenAdr('report', r.body, 'returned'), r.id).toEqual([]);
      expect(r.ownerVenId).toBe(OWN_SITE.id);
    }
    console.info('reports by status', Object.fromEntries(tally.byStatus), 'created', tally.created);
  }, 180_000);

  it('1,000 subscription bodies (programID aimed at a real program): no 500, no partial write, each stored one has its secret', async () => {
    const before = await t.registry.subscriptions.count();
    const tally = await postAll('subscription', '/api/v1/subscriptions', sampleFuzzBodies('subscription', 1000), () => t.registry.subscriptions.count(), aimAt({ programID: programId }));
    expect(await t.registry.subscriptions.count()).toBe(before + tally.created);
    expect(tally.created).toBeGreaterThan(50);
    for (const r of (await t.registry.subscriptions.list())) {
      expect(validateOpenAdr('subscription', r.body, 'returned'), r.id).toEqual([]);
      expect(r.body).not.toHaveProperty('signingSecret');
      expect(await t.registry.subscriptions.signingSecret(r.id), r.id).toMatch(/^whsec_/);
    }
    console.info('subscriptions by status', Object.fromEntries(tally.byStatus), 'created', tally.created);
  }, 180_000);
});
