import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnrolment } from '../../src/events/index.js';
import { eventBody, OWN_SITE, openAdrApi, type OpenAdrApi } from '../helpers/openadr-api.js';

/**
 * 1,000 fast-check enrolment bodies (mostly valid values, some wrong in one place or another)
 * PUT to the real route, and 300 opt-out bodies POSTed: never a 500; a refusal is problem+json
 * and leaves what was stored exactly as it was; a success stores what parseEnrolment reads
 * back and what the answer says.
 */
let t: OpenAdrApi;
let programId: string;
let eventId: string;
beforeAll(async () => {
  t = await openAdrApi();
  const p = await t.call('operator', 'POST', '/api/v1/programs', { programName: 'fuzz-enrol' });
  programId = (p.json() as { id: string }).id;
  const e = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId));
  eventId = (e.json() as { id: string }).id;
}, 60_000);
afterAll(async () => {
  await t.close();
});

const anything = fc.oneof(fc.integer({ min: -100, max: 100_000 }), fc.double(), fc.constantFrom('Infinity', 'NaN', null, '5', true, [], {}, Number.MAX_VALUE, -0));
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>): fc.Arbitrary<T | U> => fc.oneof({ arbitrary: good, weight: 20 }, { arbitrary: bad, weight: 1 });
/** Usually absent (JSON drops undefined), sometimes a field nobody asked for. */
const rare = fc.oneof({ arbitrary: fc.constant(undefined), weight: 20 }, { arbitrary: anything, weight: 1 });
const assetId = mostly(fc.constantFrom('bess', 'grid'), fc.constantFrom('ghost', '', 'x'.repeat(200)));
const limitsArb = fc.record(
  {
    maxEventDurationS: mostly(fc.integer({ min: 1, max: 86_400 }), anything),
    maxEventsPerDay: mostly(fc.nat(10), anything),
    maxEventsPerWeek: mostly(fc.nat(50), anything),
    minNoticeS: mostly(fc.nat(86_400), anything),
    maxShedKw: mostly(fc.double({ min: 0.1, max: 5000, noNaN: true }), anything),
    socFloorPct: mostly(fc.dictionary(assetId, mostly(fc.double({ min: 0, max: 100, noNaN: true }), anything), { maxKeys: 2 }), anything),
    comfortBandC: mostly(fc.dictionary(assetId, mostly(fc.double({ min: 0, max: 5, noNaN: true }), anything), { maxKeys: 1 }), anything),
    evDepartures: mostly(fc.dictionary(assetId, fc.record({ departs: mostly(fc.constantFrom('07:30', '17:00'), fc.constantFrom('24:00', '7:30', 5)), energyNeededKwh: mostly(fc.nat(80), anything) }), { maxKeys: 1 }), anything),
    unknownLimit: rare,
  },
  { requiredKeys: [] },
);
const bodyArb = fc.oneof(
  { arbitrary: fc.record({ assetIds: mostly(fc.uniqueArray(assetId, { maxLength: 2 }), anything), timezone: mostly(fc.constantFrom('Asia/Shanghai', 'Europe/Berlin'), fc.constantFrom('Mars/Base', '', 7)), limits: mostly(limitsArb, anything), extra: rare }, { requiredKeys: [] }), weight: 20 },
  { arbitrary: anything, weight: 1 },
);

describe('fuzzed enrolment and opt-out bodies', () => {
  it('1,000 enrolment bodies: no 500, a refusal stores nothing, a success stores what parses', async () => {
    const byStatus = new Map<number, number>();
    const bodies = fc.sample(bodyArb, { numRuns: 1000, seed: 7 });
    for (const [i, body] of bodies.entries()) {
      const before = (await t.registry.enrolments.get(programId, OWN_SITE.id));
      const json = JSON.stringify(body) ?? 'null';
      const res = await t.call('own', 'PUT', `/api/v1/vens/${OWN_SITE.id}/enrolments/${programId}`, json);
      const where = `body ${i}: ${json.slice(0, 300)}\n-> ${res.statusCode} ${res.body.slice(0, 300)}`;
      byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, where).toBeLessThan(500);
      const after = (await t.registry.enrolments.get(programId, OWN_SITE.id));
      if (res.statusCode === 200 || res.statusCode === 201) {
        const stored = parseEnrolment(after?.body);
        expect(res.json(), where).toMatchObject({ limits: JSON.parse(JSON.stringify(stored.limits)) as unknown, assetIds: stored.assetIds, timezone: stored.timezone });
      } else {
        expect(res.statusCode, where).toBe(400);
        expect(res.headers['content-type'], where).toMatch(/^application\/problem\+json/);
        expect(after, where).toEqual(before);
      }
    }
    console.info('enrolments by status', Object.fromEntries(byStatus));
    expect((byStatus.get(200) ?? 0) + (byStatus.get(201) ?? 0)).toBeGreaterThan(50);
    expect(byStatus.get(400) ?? 0).toBeGreaterThan(50);
  }, 180_000);

  it('300 opt-out bodies: no 500, at most one opt-out stored', async () => {
    const arb = fc.oneof(fc.record({ venID: mostly(fc.constantFrom(OWN_SITE.id), anything), reason: mostly(fc.string({ maxLength: 40 }), anything), more: anything }, { requiredKeys: [] }), anything);
    for (const body of fc.sample(arb, { numRuns: 300, seed: 3 })) {
      const res = await t.call('own', 'POST', `/api/v1/events/${eventId}/opt-outs`, JSON.stringify(body) ?? 'null');
      expect(res.statusCode, `${JSON.stringify(body)} -> ${res.body}`).toBeLessThan(500);
      expect([200, 201, 400, 403]).toContain(res.statusCode);
    }
    expect((await t.registry.enrolments.optOuts(eventId)).length).toBeLessThanOrEqual(1);
  }, 120_000);
});
