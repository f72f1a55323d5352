import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VppError } from '../../domain/index.js';
import { formatDateTime } from '../../events/index.js';
import type { OpenAdrBody, OpenAdrListFilter, OpenAdrRecord, Registry } from '../../store/index.js';
import { openAdrReturnedSchemaIds, type OpenAdrKind } from '../openadr/index.js';
import { problem, sendProblem } from '../problem.js';

export interface OpenAdrRouteDeps {
  readonly registry: Registry;
  readonly nowMs: () => number;
}

/** The spec's list parameters; `limit` is 0..50 as 3.0.1 says, default 50 (the spec gives none). */
export const PAGE_PARAMS = {
  skip: { type: 'integer', minimum: 0, maximum: 2_147_483_647, default: 0, description: 'records to skip' },
  limit: { type: 'integer', minimum: 0, maximum: 50, default: 50, description: 'most records to return (0..50)' },
} as const;

export const TARGET_PARAMS = {
  targetType: { type: 'string', maxLength: 128, description: 'only objects with a target of this type, e.g. VEN_NAME, GROUP' },
  targetValues: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 50, description: 'with targetType: one of these values' },
} as const;

export interface ListQuery {
  readonly skip: number;
  readonly limit: number;
  readonly targetType?: string;
  readonly targetValues?: string[];
}

export function listQuerySchema(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'object', properties: { ...PAGE_PARAMS, ...TARGET_PARAMS, ...extra } };
}

export function idParams(...names: string[]): Record<string, unknown> {
  const properties = Object.fromEntries(names.map((n) => [n, { type: 'string', minLength: 1, maxLength: 128 }]));
  return { type: 'object', properties, required: names };
}

const ProblemSchema = {
  type: 'object',
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' } },
};
const PROBLEMS = Object.fromEntries([400, 401, 403, 404, 409].map((s) => [s, ProblemSchema]));

/** Response schemas for /docs (the OpenADR serializer sends JSON as is; tests check conformance). */
export function responses(kind: OpenAdrKind, ok: 200 | 201, list = false): Record<number, unknown> {
  const one = { $ref: openAdrReturnedSchemaIds[kind] };
  return { [ok]: list ? { type: 'array', items: one } : one, ...PROBLEMS };
}

export function filterOf(q: ListQuery): OpenAdrListFilter {
  return {
    skip: q.skip,
    limit: q.limit,
    ...(q.targetType === undefined ? {} : { targetType: q.targetType }),
    ...(q.targetValues === undefined ? {} : { targetValues: q.targetValues }),
  };
}

/**
 * The object as stored and returned: the body as sent (the spec allows fields it does not
 * name, and an OpenADR client may rely on its extensions coming back) with the server-filled
 * fields overwritten, whatever the client put there.
 */
export function stamp(body: unknown, objectType: string, id: string, createdMs: number, modifiedMs: number): OpenAdrBody {
  return {
    ...(body as Record<string, unknown>),
    id,
    objectType,
    createdDateTime: formatDateTime(createdMs),
    modificationDateTime: formatDateTime(modifiedMs),
  };
}

export function newId(): string {
  return randomUUID();
}

/** The site id a `site` client is bound to; undefined for other callers. */
export function siteClientOf(req: FastifyRequest): string | undefined {
  const p = req.principal;
  return p !== null && p.role === 'site' ? (p.siteId ?? '') : undefined;
}

export function notFound(reply: FastifyReply, what: string, id: string): FastifyReply {
  return sendProblem(reply, problem(404, `no ${what} ${JSON.stringify(id)}`));
}

export function badField(reply: FastifyReply, field: string, why: string): FastifyReply {
  return sendProblem(reply, problem(400, `body.${field}: ${why}`, 'validation'));
}

/** Maps refusals from the registry and the events mapping; anything else is a real failure. */
export function sendRefusal(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof VppError) {
    if (err.code === 'REGISTRY_CONFLICT') return sendProblem(reply, problem(409, err.message));
    if (err.code === 'REGISTRY_OBJECT_INVALID' || err.code === 'EVENTS_INVALID' || err.code === 'REGISTRY_REFERENCE') {
      return sendProblem(reply, problem(400, `body: ${err.message}`, 'validation'));
    }
  }
  throw err;
}

export function bodyOf(r: OpenAdrRecord): OpenAdrBody {
  return r.body;
}

/** Whether a site's ven may see an object: named by VEN_NAME, or addressed to no ven or group (all enrolled). */
export { visibleToVen } from '../../store/index.js';

/** The id of the ven a site (venName = site id) is; undefined when it has none. */
export async function venIdOfSite(registry: Registry, siteId: string): Promise<string | undefined> {
  return (await registry.vens.list({ columns: { ven_name: siteId }, limit: 1 }))[0]?.id;
}

/** The ven a report or subscription's clientName names: by its venName (site id) or its id. */
export async function venIdOfClientName(registry: Registry, clientName: unknown): Promise<string | undefined> {
  if (typeof clientName !== 'string') return undefined;
  return (await venIdOfSite(registry, clientName)) ?? (await registry.vens.get(clientName))?.id;
}

/** OpenADR's `objectID` pattern (ids in query strings and bodies). */
export const OBJECT_ID_PARAM = { type: 'string', pattern: '^[a-zA-Z0-9_-]*$', minLength: 1, maxLength: 128 } as const;

/** An owned record (report, subscription) as the caller may see it: a site client only its own ven's. */
export async function ownedReadable<R extends { readonly ownerVenId?: string | null }>(registry: Registry, req: FastifyRequest, r: R | null): Promise<R | null> {
  const site = siteClientOf(req);
  if (r === null || site === undefined) return r;
  const own = await venIdOfSite(registry, site);
  return own !== undefined && r.ownerVenId === own ? r : null;
}

/**
 * A check's refusal, already sent. Wrapped because a FastifyReply is thenable: an async check
 * returning it bare would resolve to undefined (once the reply is sent), not to the reply.
 */
export interface Refused {
  readonly refused: FastifyReply;
}

export function refusal(reply: FastifyReply): Refused {
  return { refused: reply };
}

/** Whether a check's answer is a refusal (already sent) rather than a value. */
export function isRefused(x: unknown): x is Refused {
  return typeof x === 'object' && x !== null && 'refused' in x;
}

/** 400 naming the field from a `field: why` problem string. */
export function refuse(reply: FastifyReply, why: string): FastifyReply {
  return badField(reply, why.slice(0, why.indexOf(':')), why.slice(why.indexOf(':') + 2));
}
