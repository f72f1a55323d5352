import { existsSync, readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  OPENADR_KINDS,
  addOpenAdrSchemas,
  openAdrJsonSchemas,
  openAdrReturnedSchemaIds,
  openAdrSchemaIds,
  openAdrSerializerCompiler,
  openAdrValidatorCompiler,
  validateOpenAdr,
} from '../../src/api/openadr/index.js';
import { installProblemHandlers } from '../../src/api/problem.js';
import { RETURNED_EXAMPLES, expectOpenAdr, expectOpenAdrList, specExample } from '../helpers/openadr.js';
import { MUTATIONS, sampleFuzzBodies, validBodyArb } from '../helpers/fuzz-bodies.js';

const REFERENCE = '/work/shared/reference/openadr3/openadr3.yaml';
const COPY = new URL('../../src/api/openadr/openadr3.yaml', import.meta.url);

describe('the OpenADR 3.0.1 document', () => {
  it.skipIf(!existsSync(REFERENCE))('is the unmodified reference copy', () => {
    expect(readFileSync(COPY, 'utf8')).toBe(readFileSync(REFERENCE, 'utf8'));
  });

  it('converts to JSON Schema without OpenAPI-only keywords', () => {
    const text = JSON.stringify(openAdrJsonSchemas());
    for (const keyword of ['"nullable"', '"discriminator"', '"example"', '"default"', '#/components/schemas']) expect(text).not.toContain(keyword);
    const byId = new Map(openAdrJsonSchemas().map((s) => [s['$id'], s]));
    const event = byId.get('openadr.event') as { properties: Record<string, Record<string, unknown>> };
    expect(event.properties['priority']).toMatchObject({ type: ['integer', 'null'], minimum: 0, examples: [0] });
    expect(event.properties['programID']).toEqual({ $ref: 'openadr.objectID' });
    // `exclusiveMaximum: true` beside `maximum: 600` (OpenAPI 3.0) is draft-07's `exclusiveMaximum: 600`.
    const problem = byId.get('openadr.problem') as { properties: Record<string, Record<string, unknown>> };
    expect(problem.properties['status']).toMatchObject({ minimum: 100, exclusiveMaximum: 600 });
    expect(problem.properties['status']).not.toHaveProperty('maximum');
  });
});

describe('validateOpenAdr', () => {
  it.each(OPENADR_KINDS)('accepts a %s as this API returns it', (kind) => {
    expectOpenAdr(kind, RETURNED_EXAMPLES[kind]);
    expect(validateOpenAdr(kind, RETURNED_EXAMPLES[kind], 'spec')).toEqual([]);
  });

  it.each(OPENADR_KINDS)("accepts a %s assembled from the YAML's own examples, except its non-URI URL", (kind) => {
    const problems = validateOpenAdr(kind, specExample(kind));
    // The spec's programDescriptions URL example, www.myCorporation.com/..., has no scheme.
    const known = kind === 'program' || (kind === 'notification' && problems.length > 0) ? [expect.stringMatching(/URL: must match format "uri"$/)] : [];
    expect(problems).toEqual(known);
  });

  it('requires the server-filled fields only of returned objects', () => {
    const body = { programName: 'peak-2025' };
    expect(validateOpenAdr('program', body)).toEqual([]);
    expect(validateOpenAdr('program', body, 'returned')).toEqual([
      "id: must have required property 'id'",
      "createdDateTime: must have required property 'createdDateTime'",
      "objectType: must have required property 'objectType'",
    ]);
  });

  const event = RETURNED_EXAMPLES.event;
  const interval = event.intervals[0];
  it.each([
    ['missing required field', 'event', { ...event, programID: undefined }, "programID: must have required property 'programID'"],
    ['nested missing field', 'event', { ...event, intervals: [{ id: 0 }] }, "intervals.0.payloads: must have required property 'payloads'"],
    ['wrong type', 'event', { ...event, priority: '1' }, 'priority: must be integer or null'],
    ['negative priority', 'event', { ...event, priority: -1 }, 'priority: must be >= 0'],
    ['non-integer interval id', 'event', { ...event, intervals: [{ ...interval, id: 1.5 }] }, 'intervals.0.id: must be integer'],
    ['int32 overflow', 'event', { ...event, intervals: [{ ...interval, id: 2 ** 31 }] }, 'intervals.0.id: must match format "int32"'],
    ['bad object id', 'event', { ...event, programID: 'p 1' }, 'programID: must be a URL safe VTN assigned object ID such as object-999'],
    ['date-time without zone', 'event', { ...event, intervalPeriod: { start: '2025-07-15T14:00:00' } }, 'intervalPeriod.start: must match format "date-time"'],
    ['bad duration', 'event', { ...event, intervalPeriod: { start: '2025-07-15T14:00:00Z', duration: '2h' } }, 'intervalPeriod.duration: must be a duration in ISO 8601 format such as PT1H'],
    ['null payload value', 'event', { ...event, intervals: [{ id: 0, payloads: [{ type: 'PRICE', values: [null] }] }] }, 'intervals.0.payloads.0.values.0: must be one of number | integer | string | boolean | point'],
    ['targets not an array', 'event', { ...event, targets: { type: 'VEN_NAME', values: ['plant-1'] } }, 'targets: must be array or null'],
    ['wrong objectType', 'event', { ...event, objectType: 'PROGRAM' }, 'objectType: must be one of "EVENT"'],
    ['name too long', 'program', { ...RETURNED_EXAMPLES.program, programName: 'x'.repeat(129) }, 'programName: must NOT have more than 128 characters'],
    ['description not an object', 'program', { ...RETURNED_EXAMPLES.program, programDescriptions: ['https://a.example'] }, 'programDescriptions.0: must be object'],
    ['bad operation', 'subscription', { ...RETURNED_EXAMPLES.subscription, objectOperations: [{ objects: ['EVENT'], operations: ['GET'], callbackUrl: 'https://h.example/cb' }] }, 'objectOperations.0.operations.0: must be one of "READ", "CREATE", "UPDATE", "DELETE"'],
    ['callback not a URI', 'subscription', { ...RETURNED_EXAMPLES.subscription, objectOperations: [{ objects: ['EVENT'], operations: ['CREATE'], callbackUrl: 'not a url' }] }, 'objectOperations.0.callbackUrl: must match format "uri"'],
    ['report interval missing', 'report', { ...RETURNED_EXAMPLES.report, resources: [{ resourceName: 'bess' }] }, "resources.0.intervals: must have required property 'intervals'"],
    ['notification object untagged', 'notification', { objectType: 'EVENT', operation: 'POST', object: { programID: 'p1', intervals: [] } }, "object.objectType: must have required property 'objectType'"],
    ['notification object of its tag', 'notification', { objectType: 'EVENT', operation: 'POST', object: { ...event, intervals: undefined } }, "object.intervals: must have required property 'intervals'"],
    ['not an object', 'ven', 'plant-1', '(root): must be object'],
  ] as const)('reports %s with its path', (_what, kind, value, message) => {
    const json: unknown = JSON.parse(JSON.stringify(value)); // drops the `undefined`s, as the wire would
    const problems = validateOpenAdr(kind, json);
    expect(problems).toContain(message);
  });

  it('fails a test listing every problem', () => {
    expect(() => expectOpenAdr('ven', { venName: '', objectType: 'VEN' })).toThrow(/3 problem\(s\)\n {2}venName: must NOT have fewer than 1 characters\n {2}id: must have required property 'id'/);
    expect(() => expectOpenAdrList('ven', [RETURNED_EXAMPLES.ven, {}])).toThrow(/\[1\]\.venName: must have required property/);
    expect(() => expectOpenAdrList('ven', RETURNED_EXAMPLES.ven)).toThrow(/expected a JSON array/);
  });
});

/** An in-memory events route as the real ones will be: OpenADR body schema, server fills the rest. */
async function eventsApp(exact: boolean): Promise<{ app: FastifyInstance; stored: unknown[] }> {
  const stored: unknown[] = [];
  const app = Fastify({ ajv: { customOptions: { allErrors: true } } });
  installProblemHandlers(app);
  await app.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 'test', version: '0' } } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  addOpenAdrSchemas(app);
  await app.register(async (api) => {
    if (exact) {
      api.setValidatorCompiler(openAdrValidatorCompiler);
      api.setSerializerCompiler(openAdrSerializerCompiler);
    }
    const response = { 201: { $ref: openAdrReturnedSchemaIds.event } };
    api.post('/api/v1/events', { schema: { body: { $ref: openAdrSchemaIds.event }, response } }, async (req, reply) => {
      const event = { ...(req.body as object), id: `ev-${stored.length}`, createdDateTime: '2025-07-01T00:00:00Z', objectType: 'EVENT' };
      stored.push(event);
      return reply.code(201).send(event);
    });
    const querystring = { type: 'object', properties: { skip: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 50 } } };
    const list = { 200: { type: 'array', items: { $ref: openAdrReturnedSchemaIds.event } } };
    api.get('/api/v1/events', { schema: { querystring, response: list } }, async (req) => {
      const { skip = 0, limit = 50 } = req.query as { skip?: number; limit?: number };
      return stored.slice(skip, skip + limit);
    });
  });
  await app.ready();
  return { app, stored };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('OpenADR schemas in a Fastify app', () => {
  const post = (a: FastifyInstance, payload: string) => a.inject({ method: 'POST', url: '/api/v1/events', headers: { 'content-type': 'application/json' }, payload });

  it.each([false, true])('answers 400 problem+json naming the field (exact compiler: %s)', async (exact) => {
    const made = await eventsApp(exact);
    app = made.app;
    const bad = { programID: 'peak-2025', intervals: [{ id: 0, payloads: [{ type: 'PRICE' }] }], intervalPeriod: { start: 'yesterday' } };
    const res = await post(app, JSON.stringify(bad));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json<{ status: number; detail: string }>();
    expect(body.status).toBe(400);
    expect(body.detail).toContain("body.intervals.0.payloads.0: must have required property 'values'");
    expect(body.detail).toContain('body.intervalPeriod.start: must match format "date-time"');
    expect(made.stored).toEqual([]);
  });

  it('with the exact compiler, coerces nothing and sends what it stored', async () => {
    const made = await eventsApp(true);
    app = made.app;
    const coercible = { ...RETURNED_EXAMPLES.event, id: undefined, priority: '2' };
    const refused = await post(app, JSON.stringify(coercible));
    expect(refused.json<{ detail: string }>().detail).toBe('body.priority: must be integer or null');
    const ok = await post(app, JSON.stringify({ ...coercible, priority: 2 }));
    expect(ok.statusCode).toBe(201);
    expectOpenAdr('event', ok.json());
    // fast-json-stringify would have sent the valuesMap value `true` as 1 (first anyOf branch).
    expect(ok.json()).toEqual(made.stored[0]);
    // Query strings still coerce ("0" is 0) and still answer 400 naming the parameter.
    const listed = await made.app.inject({ method: 'GET', url: '/api/v1/events?skip=0&limit=10' });
    expectOpenAdrList('event', listed.json());
    expect(listed.json()).toHaveLength(1);
    const badLimit = await made.app.inject({ method: 'GET', url: '/api/v1/events?limit=0' });
    expect(badLimit.json<{ detail: string }>().detail).toBe('querystring.limit: must be >= 1');
  });

  it('needs the exact compilers: Fastify\'s defaults store "Infinity" in an integer field, then fail', async () => {
    const body = JSON.stringify({ ...RETURNED_EXAMPLES.event, priority: 'Infinity' });
    const loose = await eventsApp(false);
    app = loose.app;
    // Stored as Infinity, then fast-json-stringify refuses to serialise it: a 500 after a write.
    expect((await post(loose.app, body)).statusCode).toBe(500);
    expect(loose.stored).toMatchObject([{ priority: Infinity }]);
    await loose.app.close();
    const exact = await eventsApp(true);
    app = exact.app;
    expect((await post(exact.app, body)).json<{ detail: string }>().detail).toBe('body.priority: must be integer or null');
    expect(exact.stored).toEqual([]);
  });

  it('lists every component schema in /docs/json', async () => {
    app = (await eventsApp(false)).app;
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{ components: { schemas: Record<string, { title?: string }> } }>();
    const titles = Object.values(doc.components.schemas).map((s) => s.title);
    for (const name of ['program', 'event', 'report', 'subscription', 'ven', 'resource', 'notification', 'valuesMap', 'intervalPeriod']) {
      expect(titles).toContain(`OpenADR 3.0.1 ${name}`);
    }
  });
});

describe('fuzz bodies', () => {
  it.each(OPENADR_KINDS)('valid %s bodies validate', (kind) => {
    fc.assert(fc.property(validBodyArb(kind), (body) => {
      expect(validateOpenAdr(kind, body)).toEqual([]);
    }), { numRuns: 150, seed: 1 });
  });

  it('cover every mutation, and a missing field or wrong type is always caught', () => {
    const bodies = sampleFuzzBodies('event', 1000);
    expect(new Set(bodies.map((b) => b.mutation))).toEqual(new Set(['none', ...MUTATIONS]));
    for (const b of bodies.filter((x) => x.mutation === 'none')) expect(b.problems).toEqual([]);
    for (const b of bodies.filter((x) => x.mutation === 'missingRequired' || x.mutation === 'badJson' || x.mutation === 'notAnObject')) expect(b.specValid).toBe(false);
  });

  it('1,000 posted to an events route: no 500, a 400 stores nothing, a 201 stores a valid event', async () => {
    const made = await eventsApp(true);
    app = made.app;
    const statuses = new Map<number, number>();
    for (const b of sampleFuzzBodies('event', 1000)) {
      const before = made.stored.length;
      const res = await made.app.inject({ method: 'POST', url: '/api/v1/events', headers: { 'content-type': 'application/json' }, payload: b.json });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode === 201) {
        expect(b.specValid, `${b.mutation}: ${b.json.slice(0, 200)}`).toBe(true);
        expectOpenAdr('event', made.stored.at(-1));
      } else {
        expect(res.statusCode, `${b.mutation}: ${b.json.slice(0, 200)}`).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(made.stored.length).toBe(before);
        expect(b.specValid && !/"(__proto__|constructor)"/.test(b.json)).toBe(false);
      }
    }
    expect(statuses.get(500)).toBeUndefined();
    expect(statuses.get(201) ?? 0).toBeGreaterThan(150);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(400);
  });
});
