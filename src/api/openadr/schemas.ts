import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import { VppError } from '../../domain/index.js';
import { OPENADR_KINDS, openAdrJsonSchemas, returnedSchemaId, specSchemaId, type OpenAdrKind } from './load.js';

export { OPENADR_KINDS, SERVER_FILLED_FIELDS, type OpenAdrKind } from './load.js';

/**
 * Spec schemas, for request bodies: `{ body: { $ref: openAdrSchemaIds.event } }`. The 3.0.1
 * `required` lists never name a server-filled field (id, createdDateTime, modificationDateTime,
 * objectType, resource.venID), so the spec schema already is the create/update body schema.
 */
export const openAdrSchemaIds: Readonly<Record<OpenAdrKind, string>> = Object.fromEntries(
  OPENADR_KINDS.map((k) => [k, specSchemaId(k)]),
) as Record<OpenAdrKind, string>;

/** Spec schema + `id`, `createdDateTime`, `objectType` required: for responses and webhooks. */
export const openAdrReturnedSchemaIds: Readonly<Record<OpenAdrKind, string>> = Object.fromEntries(
  OPENADR_KINDS.map((k) => [k, returnedSchemaId(k)]),
) as Record<OpenAdrKind, string>;

/** Any component of the document by name (`valuesMap`, `intervalPeriod`, ...). */
export function openAdrComponentId(component: string): string {
  return specSchemaId(component);
}

/**
 * Adds every OpenADR schema to an instance, so its routes (and /docs) can `$ref` them. Call it
 * on the root instance, or on the plugin that holds the OpenADR routes, before those routes.
 */
export function addOpenAdrSchemas(app: FastifyInstance): void {
  // Idempotent: a second call (say, from a nested plugin) would otherwise throw on a duplicate $id.
  for (const schema of openAdrJsonSchemas()) {
    if (app.getSchema(String(schema['$id'])) === undefined) app.addSchema(structuredClone(schema));
  }
}

type AddFormats = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS: under NodeNext its default export arrives as `.default`.
const addFormats = (addFormatsModule as unknown as { default: AddFormats }).default;

function newAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, ...options });
  addFormats(ajv);
  for (const schema of openAdrJsonSchemas()) ajv.addSchema(structuredClone(schema));
  return ajv;
}

// Bodies are validated exactly: no type coercion, no defaults written in, nothing removed.
let exactAjv: Ajv | undefined;
// Query strings and path params arrive as text, so those parts coerce (as Fastify's default does).
let coercingAjv: Ajv | undefined;

function exact(): Ajv {
  exactAjv ??= newAjv({});
  return exactAjv;
}

function validatorFor(id: string): ValidateFunction {
  const v = exact().getSchema(id);
  if (v === undefined) throw new VppError('OPENADR_SCHEMA', `no OpenADR schema ${id}`);
  return v;
}

/** `intervals.0.payloads: must have required property 'payloads'`; `(root)` for the object itself. */
export function formatAjvError(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
  const field = missing === undefined ? path : path === '' ? missing : `${path}.${missing}`;
  return `${field === '' ? '(root)' : field}: ${e.message ?? 'is invalid'}`;
}

/** `number | string | point`: what an anyOf accepts, from its branches (needs ajv's `verbose`). */
function anyOfChoices(parentSchema: unknown): string | undefined {
  const branches = (parentSchema as { anyOf?: unknown } | undefined)?.anyOf;
  if (!Array.isArray(branches)) return undefined;
  const names = branches.map((b: { type?: unknown; $ref?: unknown }) =>
    typeof b.$ref === 'string' ? b.$ref.replace(/^openadr\./, '') : typeof b.type === 'string' ? b.type : 'schema',
  );
  return names.join(' | ');
}

/**
 * Drops ajv's noise and says what an anyOf wanted: the `if` keyword's "must match then" (the
 * branch's own errors say why) and anyOf branch errors at the anyOf's own position (each
 * branch's type mismatch) go; deeper branch errors stay, since they name a field.
 */
export function usefulErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  return errors
    .filter((e) => e.keyword !== 'if' && (e.keyword === 'anyOf' || !anyOfPaths.has(e.instancePath)))
    .map((e) => {
      const message = clearerMessage(e);
      return message === undefined ? e : { ...e, message };
    });
}

function clearerMessage(e: ErrorObject): string | undefined {
  if (e.keyword === 'anyOf') {
    const choices = anyOfChoices(e.parentSchema);
    return choices === undefined ? undefined : `must be one of ${choices}`;
  }
  if (e.keyword === 'type') {
    const t = (e.params as { type?: unknown }).type;
    const types = Array.isArray(t) ? t.map(String) : typeof t === 'string' ? t.split(',') : [];
    return types.length > 1 ? `must be ${types.join(' or ')}` : undefined;
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues?: unknown }).allowedValues;
    return Array.isArray(allowed) ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : undefined;
  }
  if (e.keyword === 'pattern') {
    // The spec's duration regex is unreadable in an error; its description and example are not.
    const { description, examples } = (e.parentSchema ?? {}) as { description?: unknown; examples?: unknown };
    const example = Array.isArray(examples) ? examples[0] : undefined;
    if (typeof description !== 'string' || typeof example !== 'string') return undefined;
    return `must be a ${description.trim().replace(/\.$/, '')} such as ${example}`;
  }
  return undefined;
}

/**
 * Validates a value against an OpenADR 3.0.1 schema: `spec` (default) is the document's schema
 * unchanged, `returned` also requires the fields the server fills in. One message per problem.
 */
export function validateOpenAdr(kind: OpenAdrKind, value: unknown, variant: 'spec' | 'returned' = 'spec'): string[] {
  const validate = validatorFor(variant === 'spec' ? specSchemaId(kind) : returnedSchemaId(kind));
  if (validate(value)) return [];
  return [...new Set(usefulErrors(validate.errors ?? []).map(formatAjvError))];
}

/**
 * Schema compiler for the plugin that holds the OpenADR routes
 * (`api.setValidatorCompiler(openAdrValidatorCompiler)`): bodies are checked exactly as
 * `validateOpenAdr` checks them (Fastify's default would coerce `"5"` to 5, wrap a lone object
 * into an array and write spec defaults into what gets stored); other parts coerce as usual.
 * Its errors are ajv's, so the app's problem+json handler names the field as for any route.
 * It knows the OpenADR schemas only: other shared schemas (`app.addSchema`) cannot be `$ref`d
 * from routes in that plugin; inline TypeBox schemas for querystrings and params work.
 */
export const openAdrValidatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? exact() : (coercingAjv ??= newAjv({ coerceTypes: 'array', useDefaults: true }));
  const id = (schema as { $id?: unknown }).$id;
  const validate = (typeof id === 'string' ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema as object);
  const checked = Object.assign((data: unknown): boolean => {
    const ok = validate(data) as boolean;
    checked.errors = ok ? null : usefulErrors(validate.errors ?? []);
    return ok;
  }, { errors: null as ErrorObject[] | null });
  return checked;
};

/**
 * Serializer for the OpenADR routes' plugin (`api.setSerializerCompiler(openAdrSerializerCompiler)`):
 * plain JSON.stringify. fast-json-stringify, Fastify's default, picks the first anyOf branch a
 * value can be coerced to, so a valuesMap value `true` went out as `1`, and it drops fields the
 * schema does not list; the response schemas then serve /docs only, and the conformance tests
 * check what is really sent.
 */
export const openAdrSerializerCompiler: FastifySerializerCompiler<FastifySchema> = () => (data: unknown) => JSON.stringify(data);
