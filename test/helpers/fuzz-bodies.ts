/**
 * Request bodies for OpenADR routes, built by fast-check from the converted 3.0.1 schemas:
 * valid ones, and valid ones with one mistake each (wrong type, missing required field, extra
 * field, huge string, NaN-ish string, bad duration, bad JSON). Route tests post them and check:
 * never a 500; a 400 stores nothing; a 2xx body was `specValid` and what was stored validates.
 */
import fc from 'fast-check';
import { openAdrJsonSchemas, openAdrSchemaIds, validateOpenAdr, type OpenAdrKind } from '../../src/api/openadr/index.js';

export const MUTATIONS = ['wrongType', 'missingRequired', 'extraField', 'hugeString', 'nanString', 'badDuration', 'notAnObject', 'badJson'] as const;
export type Mutation = (typeof MUTATIONS)[number];

export interface FuzzBody {
  readonly kind: OpenAdrKind;
  readonly mutation: Mutation | 'none';
  /** The parsed body (undefined for `badJson`). */
  readonly body: unknown;
  /** What to post, with `content-type: application/json`. */
  readonly json: string;
  /** The spec's verdict on `body` (validateOpenAdr). A route may refuse more: bad JSON, `__proto__` keys. */
  readonly specValid: boolean;
  readonly problems: readonly string[];
}

type Schema = { readonly [k: string]: unknown };
const byId = new Map<string, Schema>(openAdrJsonSchemas().map((s) => [String(s['$id']), s as Schema]));

function resolve(s: Schema): Schema {
  const ref = s['$ref'];
  if (typeof ref !== 'string') return s;
  const target = byId.get(ref);
  if (target === undefined) throw new Error(`fuzz-bodies: unknown $ref ${ref}`);
  return resolve(target);
}

const pad = (n: number): string => String(n).padStart(2, '0');
const dateTimeArb = fc
  .tuple(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -12, max: 14 }))
  .map(([d, offH]) => {
    if (offH === 0) return d.toISOString();
    const local = new Date(d.getTime() + offH * 3_600_000).toISOString().slice(0, 19);
    return `${local}${offH < 0 ? '-' : '+'}${pad(Math.abs(offH))}:00`;
  });
const durationArb = fc.oneof(
  fc.constantFrom('PT0S', 'PT1H', 'PT15M', 'P1D', '-PT8H', 'PT0.5S', 'P1W', 'P1Y2M3DT4H5M6S'),
  fc.tuple(fc.nat(48), fc.nat(59)).map(([h, m]) => `PT${h}H${m}M`),
);
const idArb = fc.stringMatching(/^[a-zA-Z0-9_-]{1,24}$/);

/** A valid value for a (converted) schema; `depth` keeps arrays short as nesting grows. */
export function arbitraryFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const ref = schema['$ref'];
  if (ref === openAdrComponent('dateTime')) return dateTimeArb;
  if (ref === openAdrComponent('duration')) return durationArb;
  if (ref === openAdrComponent('objectID')) return idArb;
  const s = resolve(schema);
  if (Array.isArray(s['enum'])) return fc.constantFrom(...(s['enum'] as unknown[]));
  if ('const' in s) return fc.constant(s['const']);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = s[key];
    if (Array.isArray(branches)) return fc.oneof(...branches.map((b: Schema) => arbitraryFor(b, depth + 1)));
  }
  const allOf = s['allOf'];
  if (Array.isArray(allOf) && allOf.every((b: Schema) => b['then'] !== undefined)) return discriminatedArb(allOf as Schema[], depth);
  const type = s['type'];
  if (Array.isArray(type)) {
    const inner = arbitraryFor({ ...s, type: type.find((t) => t !== 'null') }, depth);
    return fc.option(inner, { nil: null, freq: 4 });
  }
  switch (type) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return fc.integer({ min: num(s['minimum']) ?? -2_147_483_648, max: num(s['maximum']) ?? 2_147_483_647 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(arbitraryFor((s['items'] ?? {}) as Schema, depth + 1), { maxLength: depth > 2 ? 1 : 3 });
    case 'object':
      return objectArb(s, depth);
    default:
      throw new Error(`fuzz-bodies: no arbitrary for ${JSON.stringify(s).slice(0, 120)}`);
  }
}

function openAdrComponent(name: string): string {
  return `openadr.${name}`;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  if (s['format'] === 'date-time') return dateTimeArb;
  if (s['format'] === 'uri') return fc.webUrl();
  const minLength = num(s['minLength']) ?? 0;
  const maxLength = Math.min(num(s['maxLength']) ?? 40, 40);
  if (typeof s['pattern'] === 'string') return fc.stringMatching(new RegExp(s['pattern'] as string)).filter((x) => x.length >= minLength && x.length <= maxLength);
  return fc.oneof(fc.string({ minLength, maxLength }), fc.string({ minLength, maxLength, unit: 'grapheme' }));
}

function objectArb(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = (s['properties'] ?? {}) as Record<string, Schema>;
  const required = Array.isArray(s['required']) ? (s['required'] as string[]) : [];
  const model = Object.fromEntries(Object.entries(props).map(([k, p]) => [k, arbitraryFor(p, depth + 1)]));
  return fc.record(model, { requiredKeys: required.filter((k) => k in props) });
}

function discriminatedArb(branches: readonly Schema[], depth: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    ...branches.map((b) => {
      const tag = ((b['if'] as Schema)['properties'] as Record<string, Schema>)['objectType']?.['const'];
      return arbitraryFor(b['then'] as Schema, depth + 1).map((o) => ({ ...(o as object), objectType: tag }));
    }),
  );
}

/** Valid create bodies for a kind (the spec schema: server-filled fields may or may not be sent). */
export function validBodyArb(kind: OpenAdrKind): fc.Arbitrary<unknown> {
  return arbitraryFor({ $ref: openAdrSchemaIds[kind] });
}

interface Site {
  readonly path: readonly (string | number)[];
  readonly schema: Schema;
}

/** Every position in `value` with the schema that governs it (refs resolved, anyOf left whole). */
function sites(value: unknown, schema: Schema, path: (string | number)[] = []): Site[] {
  const s = resolve(schema);
  const here: Site[] = [{ path, schema: schema['$ref'] === undefined ? s : schema }];
  if (Array.isArray(value) && s['items'] !== undefined) {
    return here.concat(...value.map((v, i) => sites(v, s['items'] as Schema, [...path, i])));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && s['properties'] !== undefined) {
    const props = s['properties'] as Record<string, Schema>;
    const inner = Object.entries(value).flatMap(([k, v]) => (props[k] === undefined ? [] : sites(v, props[k], [...path, k])));
    return here.concat(inner);
  }
  return here;
}

function setAt(root: unknown, path: readonly (string | number)[], fn: (v: unknown) => unknown): unknown {
  if (path.length === 0) return fn(root);
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...(root as object) }) as Record<string | number, unknown>;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  copy[head] = setAt(copy[head], rest, fn);
  return copy;
}

const WRONG: readonly unknown[] = [42, -1.5, 'text', true, null, [], {}, [1, 'a'], { nested: { deep: 1 } }];
const NAN_ISH = ['NaN', 'Infinity', '-Infinity', 'null', 'undefined', '', ' ', '1e309', '-0', '0x10', '\u0000', '{}'];
const BAD_DURATIONS = ['P', 'PT', '1H', 'PT1.5', 'P1.5D', 'PT-1H', 'PT1H30', 'P1DT', 'pt1h', 'P1Y1W', '15 minutes', 'PT1H '];
const EXTRA_KEYS = ['extra', 'programNmae', '__proto__', 'constructor', 'x'.repeat(300), ''];

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
}

function mutateArb(mutation: Mutation, body: unknown, all: readonly Site[]): fc.Arbitrary<unknown> {
  const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.nat(xs.length - 1).map((i) => xs[i] as T);
  const objects = all.filter((x) => x.path.length === 0 || resolve(x.schema)['type'] === 'object');
  const leaves = all.filter((x) => x.path.length > 0);
  switch (mutation) {
    case 'wrongType':
      return fc.tuple(pick(leaves.length > 0 ? leaves : all), pick(WRONG)).map(([site, w]) => setAt(body, site.path, (old) => (typeOf(old) === typeOf(w) ? 'text' : w)));
    case 'missingRequired': {
      const withReq = objects.filter((x) => Array.isArray(resolve(x.schema)['required']));
      return fc.tuple(pick(withReq), fc.nat()).map(([site, i]) => {
        const req = resolve(site.schema)['required'] as string[];
        const key = req[i % req.length] as string;
        return setAt(body, site.path, (o) => Object.fromEntries(Object.entries(o as object).filter(([k]) => k !== key)));
      });
    }
    case 'extraField':
      return fc.tuple(pick(objects), pick(EXTRA_KEYS), fc.jsonValue({ maxDepth: 2 })).map(([site, key, v]) =>
        setAt(body, site.path, (o) => Object.defineProperty({ ...(o as object) }, key, { value: v, enumerable: true, writable: true, configurable: true })),
      );
    case 'hugeString':
      return fc.tuple(pick(leaves.length > 0 ? leaves : all), fc.integer({ min: 129, max: 200_000 })).map(([site, n]) => setAt(body, site.path, () => 'Z'.repeat(n)));
    case 'nanString':
      return fc.tuple(pick(leaves.length > 0 ? leaves : all), pick(NAN_ISH)).map(([site, s]) => setAt(body, site.path, () => s));
    case 'badDuration': {
      const durations = all.filter((x) => x.schema['$ref'] === openAdrComponent('duration'));
      const targets = durations.length > 0 ? durations : objects.slice(0, 1).map((o) => ({ ...o, path: [...o.path, 'intervalPeriod'] }));
      return fc.tuple(pick(targets), pick(BAD_DURATIONS)).map(([site, d]) =>
        durations.length > 0 ? setAt(body, site.path, () => d) : setAt(body, site.path, () => ({ start: '2025-07-15T14:00:00+08:00', duration: d })),
      );
    }
    case 'notAnObject':
      return pick([null, [], [body], 'program', 0, true]);
    case 'badJson':
      return fc.constant(undefined);
  }
}

const BAD_JSON = ['', '{', '{"programName": }', 'nul', '{"a":1}}', "{'programName':'x'}", '[1,2', '\u0000'];

/** A body with exactly one kind of mistake (the value may still be spec-valid, e.g. an extra field). */
export function mutatedBodyArb(kind: OpenAdrKind): fc.Arbitrary<FuzzBody> {
  return fc.tuple(validBodyArb(kind), fc.constantFrom(...MUTATIONS), fc.constantFrom(...BAD_JSON)).chain(([valid, mutation, badJson]) =>
    mutateArb(mutation, valid, sites(valid, { $ref: openAdrSchemaIds[kind] })).map((body) => describe(kind, mutation, body, badJson)),
  );
}

function describe(kind: OpenAdrKind, mutation: Mutation | 'none', body: unknown, badJson = ''): FuzzBody {
  if (mutation === 'badJson') return { kind, mutation, body: undefined, json: badJson, specValid: false, problems: ['not JSON'] };
  const problems = validateOpenAdr(kind, body);
  return { kind, mutation, body, json: JSON.stringify(body), specValid: problems.length === 0, problems };
}

/** Mostly mutated bodies with some valid ones mixed in (`validShare` 0..1, default 0.2). */
export function fuzzBodyArb(kind: OpenAdrKind, validShare = 0.2): fc.Arbitrary<FuzzBody> {
  const validWeight = Math.round(validShare * 100);
  return fc.oneof(
    { arbitrary: validBodyArb(kind).map((b) => describe(kind, 'none', b)), weight: validWeight },
    { arbitrary: mutatedBodyArb(kind), weight: 100 - validWeight },
  );
}

/** `count` reproducible bodies (fixed seed): what a route test posts in a loop. */
export function sampleFuzzBodies(kind: OpenAdrKind, count = 1000, seed = 7): FuzzBody[] {
  return fc.sample(fuzzBodyArb(kind), { numRuns: count, seed });
}
