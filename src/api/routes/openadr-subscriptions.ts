import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { OPENADR_OBJECT_TYPES } from '../../domain/index.js';
import type { OpenAdrBody } from '../../store/index.js';
import { openAdrSchemaIds } from '../openadr/index.js';
import { problem, sendProblem } from '../problem.js';
import {
  filterOf,
  idParams,
  isRefused,
  newId,
  notFound,
  ownedReadable,
  OBJECT_ID_PARAM,
  PAGE_PARAMS,
  refuse,
  refusal,
  responses,
  sendRefusal,
  siteClientOf,
  stamp,
  TARGET_PARAMS,
  venIdOfClientName,
  venIdOfSite,
  visibleToVen,
  type ListQuery,
  type OpenAdrRouteDeps,
  type Refused,
} from './openadr-common.js';
import { queuedWrite } from './registry-writes.js';

type ById = { Params: { subscriptionID: string } };
type ListSubscriptions = { Querystring: ListQuery & { programID?: string; clientName?: string; objects?: string[] } };

/** The field a subscription's signing secret comes back in, once, in the answer to its POST. */
export const SIGNING_SECRET_FIELD = 'signingSecret';

/**
 * OpenADR 3.0.1 /subscriptions (webhooks). write_subscriptions creates: an operator any
 * subscription (it is notified of everything), a site client only its own (clientName its
 * site id or its ven's id; owned by its ven, notified only of what that site may read). Every
 * client with read_all reads, a site only its own (404 for others'). Beyond the schema a
 * subscription names an existing program the caller may see, and http(s) callback URLs.
 * The answer to a POST carries `signingSecret` once: the HMAC key its notifications are
 * signed with (X-VPP-Signature, see README "Reports and subscriptions"). It is never stored in
 * the object, so a client that sends one has it dropped. A viewer reads bearerTokens as null.
 */
export function openAdrSubscriptionRoutes(deps: OpenAdrRouteDeps): FastifyPluginAsync {
  const { registry, nowMs } = deps;

  async function ownerFor(req: FastifyRequest, reply: FastifyReply, body: OpenAdrBody): Promise<string | null | Refused> {
    const site = siteClientOf(req);
    if (site === undefined) return null;
    const venId = await venIdOfSite(registry, site);
    if (venId === undefined) return refusal(sendProblem(reply, problem(409, `site ${JSON.stringify(site)} has no ven; create it (POST /vens) first`)));
    const name = body['clientName'];
    if (name !== site && (await venIdOfClientName(registry, name)) !== venId) {
      return refusal(sendProblem(reply, problem(403, `a site client subscribes only as its own ven: clientName must be ${JSON.stringify(site)} or ${JSON.stringify(venId)}, got ${JSON.stringify(name)}`, 'forbidden')));
    }
    return venId;
  }

  /** `field: why` for what the schema cannot say, or null. */
  async function bodyProblem(body: OpenAdrBody, site: string | undefined): Promise<string | null> {
    const programId = body['programID'];
    const program = typeof programId === 'string' ? await registry.programs.get(programId) : null;
    if (program === null || (site !== undefined && !visibleToVen(program.body, site))) return `programID: no program ${JSON.stringify(programId)}`;
    const ops = Array.isArray(body['objectOperations']) ? (body['objectOperations'] as unknown[]) : [];
    for (const [i, op] of ops.entries()) {
      const url = (op as { callbackUrl?: unknown }).callbackUrl;
      if (!isHttpUrl(url)) return `objectOperations.${i}.callbackUrl: must be an http or https URL, got ${JSON.stringify(url)}`;
    }
    return null;
  }

  /** The record, if the caller may see it: a site client only its own ven's. */
  const readable = async (req: FastifyRequest, id: string) => ownedReadable(registry, req, await registry.subscriptions.get(id));

  /** The stored object: what was sent, server fields filled, no signing secret. */
  function subscriptionOf(sent: unknown, id: string, createdMs: number, nowMs: number): OpenAdrBody {
    const { [SIGNING_SECRET_FIELD]: _dropped, ...rest } = stamp(sent, 'SUBSCRIPTION', id, createdMs, nowMs);
    return rest;
  }

  /**
   * A subscription's bearerToken is the receiver's credential: a viewer (read-only, not a party
   * to the subscription) reads it as null. Operators and the owning site see it.
   */
  function shown(req: FastifyRequest, body: OpenAdrBody): OpenAdrBody {
    if (req.principal?.role !== 'viewer' || !Array.isArray(body['objectOperations'])) return body;
    const ops = (body['objectOperations'] as unknown[]).map((op) =>
      typeof op === 'object' && op !== null && typeof (op as { bearerToken?: unknown }).bearerToken === 'string' ? { ...op, bearerToken: null } : op,
    );
    return { ...body, objectOperations: ops };
  }


  return async (api) => {
    const tags = ['subscriptions'];
    const body = { $ref: openAdrSchemaIds.subscription };
    const params = idParams('subscriptionID');
    const querystring = {
      type: 'object',
      properties: {
        ...PAGE_PARAMS,
        ...TARGET_PARAMS,
        programID: { ...OBJECT_ID_PARAM, description: 'only subscriptions to this program' },
        clientName: { type: 'string', minLength: 1, maxLength: 128, description: 'only subscriptions with this clientName' },
        objects: { type: 'array', items: { enum: [...OPENADR_OBJECT_TYPES] }, maxItems: 6, description: 'only subscriptions to one of these object types' },
      },
    };

    api.get<ListSubscriptions>(
      '/subscriptions',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'List subscriptions (a site: its own)', querystring, response: responses('subscription', 200, true) } },
      async (req) => {
        const q = req.query;
        const site = siteClientOf(req);
        const own = site === undefined ? undefined : await venIdOfSite(registry, site);
        if (site !== undefined && own === undefined) return [];
        const columns: Record<string, string> = {
          ...(q.programID === undefined ? {} : { program_id: q.programID }),
          ...(q.clientName === undefined ? {} : { client_name: q.clientName }),
          ...(own === undefined ? {} : { ven_id: own }),
        };
        const { skip, limit, ...targets } = filterOf(q);
        if (q.objects === undefined) return (await registry.subscriptions.list({ ...targets, skip, limit, columns })).map((r) => shown(req, r.body));
        // Few subscriptions exist: filter on objectOperations here, then page.
        const wanted = new Set(q.objects);
        const all = (await registry.subscriptions.list({ ...targets, columns })).map((r) => shown(req, r.body)).filter((b) => subscribesTo(b, wanted));
        return all.slice(skip ?? 0, (skip ?? 0) + (limit ?? all.length));
      },
    );

    api.post(
      '/subscriptions',
      { config: { scope: 'write_subscriptions' }, schema: { tags, summary: 'Create a subscription (webhook); answers its signingSecret once', body, response: responses('subscription', 201) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const now = nowMs();
        const subscription = subscriptionOf(req.body, newId(), now, now);
        const owner = await ownerFor(req, reply, subscription);
        if (isRefused(owner)) return owner.refused;
        const why = await bodyProblem(subscription, siteClientOf(req));
        if (why !== null) return refuse(reply, why);
        try {
          const created = await registry.subscriptions.create(subscription, now, owner);
          return await reply.code(201).send({ ...created.body, [SIGNING_SECRET_FIELD]: await registry.subscriptions.signingSecret(created.id) });
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.get<ById>(
      '/subscriptions/:subscriptionID',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'Read a subscription', params, response: responses('subscription', 200) } },
      async (req, reply) => {
        const r = await readable(req, req.params.subscriptionID);
        return r === null ? notFound(reply, 'subscription', req.params.subscriptionID) : shown(req, r.body);
      },
    );

    api.put<ById>(
      '/subscriptions/:subscriptionID',
      { config: { scope: 'write_subscriptions' }, schema: { tags, summary: 'Replace a subscription (its signing secret stays)', params, body, response: responses('subscription', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const id = req.params.subscriptionID;
        const old = await readable(req, id);
        if (old === null) return notFound(reply, 'subscription', id);
        const now = nowMs();
        const subscription = subscriptionOf(req.body, id, old.createdMs, now);
        const owner = await ownerFor(req, reply, subscription);
        if (isRefused(owner)) return owner.refused;
        const why = await bodyProblem(subscription, siteClientOf(req));
        if (why !== null) return refuse(reply, why);
        try {
          return (await registry.subscriptions.update(id, subscription, now))?.body ?? notFound(reply, 'subscription', id);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.delete<ById>(
      '/subscriptions/:subscriptionID',
      { config: { scope: 'write_subscriptions' }, schema: { tags, summary: 'Delete a subscription (pending deliveries go with it)', params, response: responses('subscription', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const id = req.params.subscriptionID;
        if ((await readable(req, id)) === null) return notFound(reply, 'subscription', id);
        return (await registry.subscriptions.delete(id))?.body ?? notFound(reply, 'subscription', id);
      }),
    );
  };
}

function isHttpUrl(u: unknown): boolean {
  if (typeof u !== 'string') return false;
  try {
    const url = new URL(u);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function subscribesTo(body: OpenAdrBody, objects: ReadonlySet<string>): boolean {
  const ops = Array.isArray(body['objectOperations']) ? (body['objectOperations'] as unknown[]) : [];
  return ops.some((op) => {
    const objs = (op as { objects?: unknown }).objects;
    return Array.isArray(objs) && objs.some((o) => typeof o === 'string' && objects.has(o));
  });
}
