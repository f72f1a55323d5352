import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireRole, requireSiteAccess, restrictSiteClient } from '../auth/index.js';
import { openAdrSchemaIds } from '../openadr/index.js';
import { problem, sendProblem } from '../problem.js';
import { queuedWrite } from './registry-writes.js';
import {
  badField,
  filterOf,
  idParams,
  listQuerySchema,
  newId,
  notFound,
  responses,
  sendRefusal,
  siteClientOf,
  stamp,
  type ListQuery,
  type OpenAdrRouteDeps,
} from './openadr-common.js';

type ById = { Params: { venID: string } };

/** The site (venName) of the ven a request's `:venID` names; undefined when there is none (the route answers 404). */
export function venSiteOf(deps: OpenAdrRouteDeps): (req: FastifyRequest) => Promise<string | undefined> {
  return async (req) => {
    const venId = (req.params as { venID?: unknown } | undefined)?.venID;
    const name = typeof venId === 'string' ? (await deps.registry.vens.get(venId))?.body['venName'] : undefined;
    return typeof name === 'string' ? name : undefined;
  };
}

/**
 * OpenADR 3.0.1 /vens: a ven is one of our sites, `venName` its site id (configured sites are
 * seeded at start, seedVens). read_all reads; a site client sees only its own ven (403 for
 * another's). write_vens creates and replaces: the operator any ven, a site client only the
 * one named after its site. `venName` cannot change (events and credentials refer to it); only
 * the operator deletes, and a configured site's ven comes back at the next start.
 */
export function openAdrVenRoutes(deps: OpenAdrRouteDeps): FastifyPluginAsync {
  const { registry, nowMs } = deps;
  const siteOf = venSiteOf(deps);
  return async (api) => {
    const tags = ['vens'];
    const body = { $ref: openAdrSchemaIds.ven };
    const params = idParams('venID');
    const venName = { type: 'string', maxLength: 128, description: 'only the ven of this name (site id)' };

    api.get<{ Querystring: ListQuery & { venName?: string } }>(
      '/vens',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'List vens (sites)', querystring: listQuerySchema({ venName }), response: responses('ven', 200, true) } },
      async (req) => {
        const site = siteClientOf(req);
        const name = req.query.venName;
        if (site !== undefined && name !== undefined && name !== site) return [];
        const only = site ?? name;
        return (await registry.vens.list({ ...filterOf(req.query), ...(only === undefined ? {} : { columns: { ven_name: only } }) })).map((r) => r.body);
      },
    );

    api.post(
      '/vens',
      { config: { scope: 'write_vens' }, schema: { tags, summary: 'Create a ven', body, response: responses('ven', 201) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const now = nowMs();
        const ven = stamp(req.body, 'VEN', newId(), now, now);
        const site = siteClientOf(req);
        if (site !== undefined && ven['venName'] !== site) {
          return sendProblem(reply, problem(403, `a site client may only create the ven of its own site ${JSON.stringify(site)}, not ${JSON.stringify(ven['venName'])}`));
        }
        try {
          return await reply.code(201).send((await registry.vens.create(ven, now)).body);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.get<ById>(
      '/vens/:venID',
      { config: { scope: 'read_all' }, onRequest: restrictSiteClient(siteOf), schema: { tags, summary: 'Read a ven', params, response: responses('ven', 200) } },
      async (req, reply) => (await registry.vens.get(req.params.venID))?.body ?? notFound(reply, 'ven', req.params.venID),
    );

    api.put<ById>(
      '/vens/:venID',
      { config: { scope: 'write_vens' }, onRequest: requireSiteAccess(siteOf), schema: { tags, summary: 'Replace a ven', params, body, response: responses('ven', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const id = req.params.venID;
        const old = await registry.vens.get(id);
        if (old === null) return notFound(reply, 'ven', id);
        const now = nowMs();
        const ven = stamp(req.body, 'VEN', id, old.createdMs, now);
        if (ven['venName'] !== old.body['venName']) return badField(reply, 'venName', `cannot change (it is the site id), stays ${JSON.stringify(old.body['venName'])}`);
        try {
          return (await registry.vens.update(id, ven, now))?.body ?? notFound(reply, 'ven', id);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.delete<ById>(
      '/vens/:venID',
      { config: { scope: 'write_vens' }, onRequest: [requireSiteAccess(siteOf), requireRole('operator')], schema: { tags, summary: 'Delete a ven and its resources', params, response: responses('ven', 200) } },
      async (req, reply) => queuedWrite(registry, async () => (await registry.vens.delete(req.params.venID))?.body ?? notFound(reply, 'ven', req.params.venID)),
    );
  };
}
