/**
 * OpenAPI 3.0 schema objects -> JSON Schema (draft-07) that Fastify's ajv, fast-json-stringify
 * and @fastify/swagger all accept. Pure: the YAML comes in as `unknown`, plain objects go out.
 */

/** A JSON Schema as plain data; the converter builds it, ajv checks it. */
export type JsonSchema = { [keyword: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const COMPONENT_REF = /^#\/components\/schemas\/([A-Za-z0-9_.-]+)$/;

export interface ConvertContext {
  /** The schema id a component is registered under, e.g. `openadr.event`. */
  readonly idOf: (component: string) => string;
  /** `properties.objectType.enum[0]` of each component that has one, for discriminators. */
  readonly objectTypeOf: (component: string) => string | undefined;
  /** Where in the YAML we are, so a construct we cannot convert names its place. */
  readonly path: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toJsonValue(v: unknown, path: string): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v)) return v.map((x, i) => toJsonValue(x, `${path}/${i}`));
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonValue(x, `${path}/${k}`)]));
  // A YAML date (unquoted timestamp) or similar would land here; the 3.0.1 document has none.
  throw new Error(`${path}: cannot convert ${typeof v} ${String(v)} to JSON`);
}

/**
 * Converts one OpenAPI 3.0 schema object. The rules, each for a reason:
 * - `$ref: '#/components/schemas/x'` -> `$ref: idOf(x)`; siblings dropped (OpenAPI 3.0 ignores them).
 * - `nullable: true` -> `type: [t, 'null']` (JSON Schema has no `nullable`).
 * - `example` -> `examples: [v]`: ajv's strict mode rejects unknown keywords.
 * - `default` dropped: Fastify's ajv runs with `useDefaults`, which would write spec defaults
 *   (mostly `null`) into stored bodies, and ajv's strict mode refuses defaults under anyOf/oneOf.
 * - `properties`/`required` without `type` gets `type: 'object'` (the spec omits it once, on
 *   program.programDescriptions items; without it a bare string would pass).
 * - boolean `exclusiveMaximum`/`exclusiveMinimum` (OpenAPI 3.0) -> numeric draft-07 form.
 * - `oneOf` + `discriminator` -> `objectType` required, one `if/then` per branch keyed on the
 *   branch's `objectType` enum: the same verdict as oneOf for tagged objects, but errors name the
 *   fields of the one branch that applies instead of every branch's.
 * - `discriminator` beside `anyOf` is dropped: there the tag is optional, so anyOf alone decides.
 */
export function convertSchema(node: unknown, ctx: ConvertContext): JsonSchema {
  if (!isRecord(node)) throw new Error(`${ctx.path}: schema must be an object`);
  const ref = node['$ref'];
  if (typeof ref === 'string') {
    const m = COMPONENT_REF.exec(ref);
    if (m === null || m[1] === undefined) throw new Error(`${ctx.path}: unsupported $ref ${ref}`);
    return { $ref: ctx.idOf(m[1]) };
  }
  const out: JsonSchema = {};
  const sub = (v: unknown, at: string): JsonSchema => convertSchema(v, { ...ctx, path: `${ctx.path}/${at}` });
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-')) continue;
    switch (key) {
      case 'nullable':
      case 'default':
      case 'discriminator':
      case 'exclusiveMaximum':
      case 'exclusiveMinimum':
        break; // handled below
      case 'example':
        out['examples'] = [toJsonValue(value, `${ctx.path}/example`)];
        break;
      case 'properties': {
        if (!isRecord(value)) throw new Error(`${ctx.path}/properties: must be an object`);
        out['properties'] = Object.fromEntries(Object.entries(value).map(([p, s]) => [p, sub(s, `properties/${p}`)]));
        break;
      }
      case 'items':
      case 'not':
        out[key] = sub(value, key);
        break;
      case 'additionalProperties':
        out[key] = typeof value === 'boolean' ? value : sub(value, key);
        break;
      case 'anyOf':
      case 'allOf':
      case 'oneOf': {
        if (!Array.isArray(value)) throw new Error(`${ctx.path}/${key}: must be an array`);
        out[key] = value.map((s, i) => sub(s, `${key}/${i}`));
        break;
      }
      default:
        out[key] = toJsonValue(value, `${ctx.path}/${key}`);
    }
  }
  if (node['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  if (out['type'] === undefined && (out['properties'] !== undefined || out['required'] !== undefined)) out['type'] = 'object';
  convertExclusive(node, out, 'exclusiveMaximum', 'maximum');
  convertExclusive(node, out, 'exclusiveMinimum', 'minimum');
  if (isRecord(node['discriminator']) && Array.isArray(node['oneOf'])) return discriminated(node, out, ctx);
  return out;
}

function convertExclusive(node: Record<string, unknown>, out: JsonSchema, key: string, bound: string): void {
  const v = node[key];
  if (typeof v === 'number') out[key] = v;
  else if (v === true && typeof node[bound] === 'number') {
    out[key] = node[bound];
    delete out[bound];
  }
}

function discriminated(node: Record<string, unknown>, out: JsonSchema, ctx: ConvertContext): JsonSchema {
  const disc = node['discriminator'] as Record<string, unknown>;
  const tag = disc['propertyName'];
  if (typeof tag !== 'string') throw new Error(`${ctx.path}/discriminator: propertyName must be a string`);
  const branches = (node['oneOf'] as unknown[]).map((b, i) => {
    const m = isRecord(b) && typeof b['$ref'] === 'string' ? COMPONENT_REF.exec(b['$ref']) : null;
    const component = m?.[1];
    const value = component === undefined ? undefined : ctx.objectTypeOf(component);
    if (component === undefined || value === undefined) {
      throw new Error(`${ctx.path}/oneOf/${i}: a discriminated branch must $ref a component with a ${tag} enum`);
    }
    return { value, ref: ctx.idOf(component) };
  });
  const { oneOf: _dropped, ...rest } = out;
  const required = Array.isArray(rest['required']) ? rest['required'] : [];
  return {
    ...rest,
    required: required.includes(tag) ? required : [...required, tag],
    properties: { ...(isRecord(rest['properties']) ? rest['properties'] : {}), [tag]: { enum: branches.map((b) => b.value) } },
    // `required` in the `if`: without it a missing tag would satisfy every branch's condition.
    allOf: branches.map((b) => ({ if: { type: 'object', required: [tag], properties: { [tag]: { const: b.value } } }, then: { $ref: b.ref } })),
  };
}
