import type { FastifyPluginAsync } from 'fastify';
import { requireSiteAccess, restrictSiteClient } from '../auth/index.js';
import { openAdrSchemaIds } from '../openadr/index.js';
import {
  filterOf,
  idParams,
  listQuerySchema,
  newId,
  notFound,
  responses,
  sendRefusal,
  stamp,
  type ListQuery,
  type OpenAdrRouteDeps,
} from './openadr-common.js';
import { venSiteOf } from './openadr-vens.js';
import { queuedWrite } from './registry-writes.js';

type OfVen = { Params: { venID: string } };
type ById = { Params: { venID: string; resourceID: string } };

/**
 * OpenADR 3.0.1 /vens/{venID}/resources: a resource is one of a site's assets
 * (`resourceName` = asset id); `venID` always comes from the path. Access follows the ven's:
 * read_all reads, write_vens writes, a site client only under its own ven.
 */
export function openAdrResourceRoutes(deps: OpenAdrRouteDeps): FastifyPluginAsync {
  const { registry, nowMs } = deps;
  const siteOf = venSiteOf(deps);
  const resourceOf = async (venId: string, resourceId: string) => {
    const r = await registry.resources.get(resourceId);
    return r !== null && r.body['venID'] === venId ? r : null;
  };
  return async (api) => {
    const tags = ['vens'];
    const body = { $ref: openAdrSchemaIds.resource };
    const venParams = idParams('venID');
    const params = idParams('venID', 'resourceID');
    const resourceName = { type: 'string', maxLength: 128, description: 'only the resource of this name (asset id)' };
    const read = { scope: 'read_all' as const };
    const write = { scope: 'write_vens' as const };

    api.get<{ Params: { venID: string }; Querystring: ListQuery & { resourceName?: string } }>(
      '/vens/:venID/resources',
      { config: read, onRequest: restrictSiteClient(siteOf), schema: { tags, summary: "List a ven's resources (assets)", params: venParams, querystring: listQuerySchema({ resourceName }), response: responses('resource', 200, true) } },
      async (req, reply) => {
        const venId = req.params.venID;
        if ((await registry.vens.get(venId)) === null) return notFound(reply, 'ven', venId);
        const name = req.query.resourceName;
        return (await registry.resources.list({ ...filterOf(req.query), columns: { ven_id: venId, ...(name === undefined ? {} : { resource_name: name }) } })).map((r) => r.body);
      },
    );

    api.post<OfVen>(
      '/vens/:venID/resources',
      { config: write, onRequest: requireSiteAccess(siteOf), schema: { tags, summary: 'Create a resource', params: venParams, body, response: responses('resource', 201) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const venId = req.params.venID;
        if ((await registry.vens.get(venId)) === null) return notFound(reply, 'ven', venId);
        const now = nowMs();
        const resource = { ...stamp(req.body, 'RESOURCE', newId(), now, now), venID: venId };
        try {
          return await reply.code(201).send((await registry.resources.create(resource, now)).body);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.get<ById>(
      '/vens/:venID/resources/:resourceID',
      { config: read, onRequest: restrictSiteClient(siteOf), schema: { tags, summary: 'Read a resource', params, response: responses('resource', 200) } },
      async (req, reply) => (await resourceOf(req.params.venID, req.params.resourceID))?.body ?? notFound(reply, 'resource', req.params.resourceID),
    );

    api.put<ById>(
      '/vens/:venID/resources/:resourceID',
      { config: write, onRequest: requireSiteAccess(siteOf), schema: { tags, summary: 'Replace a resource', params, body, response: responses('resource', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const { venID, resourceID } = req.params;
        const old = await resourceOf(venID, resourceID);
        if (old === null) return notFound(reply, 'resource', resourceID);
        const now = nowMs();
        const resource = { ...stamp(req.body, 'RESOURCE', resourceID, old.createdMs, now), venID };
        try {
          return (await registry.resources.update(resourceID, resource, now))?.body ?? notFound(reply, 'resource', resourceID);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.delete<ById>(
      '/vens/:venID/resources/:resourceID',
      { config: write, onRequest: requireSiteAccess(siteOf), schema: { tags, summary: 'Delete a resource', params, response: responses('resource', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const { venID, resourceID } = req.params;
        if ((await resourceOf(venID, resourceID)) === null) return notFound(reply, 'resource', resourceID);
        return (await registry.resources.delete(resourceID))?.body ?? notFound(reply, 'resource', resourceID);
      }),
    );
  };
}
