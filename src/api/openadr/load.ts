import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { VppError } from '../../domain/index.js';
import { convertSchema, type JsonSchema } from './convert.js';

/** The objects our API serves under OpenADR 3.0.1 names, plus the webhook notification. */
export const OPENADR_KINDS = ['program', 'event', 'report', 'subscription', 'ven', 'resource', 'notification'] as const;
export type OpenAdrKind = (typeof OPENADR_KINDS)[number];

/**
 * Fields the VTN fills in (the YAML marks them "VTN provisioned on object creation" in comments;
 * the 3.0.1 document has no `readOnly`). CONTRACTS.md "HTTP API" promises these three on every
 * object we return; `modificationDateTime` stays optional, as in the spec.
 */
export const SERVER_FILLED_FIELDS = ['id', 'createdDateTime', 'objectType'] as const;

const SPEC_URL = new URL('./openadr3.yaml', import.meta.url);
const ID_PREFIX = 'openadr.';

/** `openadr.event`: the id a component is registered under (a plain name: it is also a URI). */
export function specSchemaId(component: string): string {
  return `${ID_PREFIX}${component}`;
}

/** `openadr.event.returned`: the spec schema plus CONTRACTS.md's server-filled fields required. */
export function returnedSchemaId(kind: OpenAdrKind): string {
  return `${ID_PREFIX}${kind}.returned`;
}

let cached: readonly JsonSchema[] | undefined;

/** Every schema with its `$id`, converted once per process from the YAML beside this file. */
export function openAdrJsonSchemas(): readonly JsonSchema[] {
  cached ??= buildSchemas(readFileSync(SPEC_URL, 'utf8'), SPEC_URL.pathname);
  return cached;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Exported for tests: converts the YAML text of an OpenAPI 3.0 document. */
export function buildSchemas(yamlText: string, source: string): JsonSchema[] {
  const doc: unknown = parse(yamlText);
  const components = record(record(record(doc)?.['components'])?.['schemas']);
  if (components === undefined) throw new VppError('OPENADR_SPEC', `${source}: components.schemas missing`);
  const objectTypeOf = (name: string): string | undefined => {
    const en = record(record(record(components[name])?.['properties'])?.['objectType'])?.['enum'];
    return Array.isArray(en) && typeof en[0] === 'string' ? en[0] : undefined;
  };
  const specs: JsonSchema[] = [];
  for (const [name, schema] of Object.entries(components)) {
    try {
      const converted = convertSchema(schema, { idOf: specSchemaId, objectTypeOf, path: `#/components/schemas/${name}` });
      specs.push({ $id: specSchemaId(name), title: `OpenADR 3.0.1 ${name}`, ...converted });
    } catch (err) {
      throw new VppError('OPENADR_SPEC', `${source}: ${(err as Error).message}`, { cause: err });
    }
  }
  for (const kind of OPENADR_KINDS) {
    if (components[kind] === undefined) throw new VppError('OPENADR_SPEC', `${source}: components.schemas.${kind} missing`);
  }
  return [...specs, ...OPENADR_KINDS.map((kind) => returnedSchema(kind, objectTypeOf))];
}

function returnedSchema(kind: OpenAdrKind, objectTypeOf: (name: string) => string | undefined): JsonSchema {
  const base: JsonSchema = {
    $id: returnedSchemaId(kind),
    title: `OpenADR 3.0.1 ${kind} as this API returns it`,
    type: 'object',
    allOf: [{ $ref: specSchemaId(kind) }],
  };
  if (kind !== 'notification') {
    return { ...base, description: `The spec's ${kind} with ${SERVER_FILLED_FIELDS.join(', ')} filled in by the server.`, required: [...SERVER_FILLED_FIELDS] };
  }
  // A notification carries an object as returned: same discriminator, returned variants.
  const branches = OPENADR_KINDS.filter((k) => k !== 'notification').map((k) => ({
    if: { type: 'object', required: ['objectType'], properties: { objectType: { const: objectTypeOf(k) ?? k.toUpperCase() } } },
    then: { $ref: returnedSchemaId(k) },
  }));
  return { ...base, description: 'The spec notification whose object is as this API returns it.', properties: { object: { allOf: branches } } };
}
