import type { FastifyPluginAsync } from 'fastify';
import { eventStatus, fromOpenAdrEvent, fromOpenAdrProgram } from '../../events/index.js';
import { openAdrSchemaIds } from '../openadr/index.js';
import { problem, sendProblem } from '../problem.js';
import {
  filterOf,
  idParams,
  listQuerySchema,
  newId,
  notFound,
  responses,
  sendRefusal,
  siteClientOf,
  stamp,
  visibleToVen,
  type ListQuery,
  type OpenAdrRouteDeps,
} from './openadr-common.js';
import { queuedWrite } from './registry-writes.js';

type ById = { Params: { programID: string } };

/**
 * OpenADR 3.0.1 /programs. Operators write (write_programs); every client with read_all reads,
 * a site client only programs addressed to its ven (VEN_NAME naming it, or no VEN_NAME/GROUP
 * target); others answer 404 to it, so it cannot learn they exist.
 */
export function openAdrProgramRoutes(deps: OpenAdrRouteDeps): FastifyPluginAsync {
  const { registry, nowMs } = deps;
  return async (api) => {
    const tags = ['programs'];
    const body = { $ref: openAdrSchemaIds.program };
    const params = idParams('programID');

    api.get<{ Querystring: ListQuery }>(
      '/programs',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'List programs', querystring: listQuerySchema(), response: responses('program', 200, true) } },
      async (req) => {
        const site = siteClientOf(req);
        return (await registry.programs.list({ ...filterOf(req.query), ...(site === undefined ? {} : { visibleToVen: site }) })).map((r) => r.body);
      },
    );

    api.post(
      '/programs',
      { config: { scope: 'write_programs' }, schema: { tags, summary: 'Create a program', body, response: responses('program', 201) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const now = nowMs();
        const program = stamp(req.body, 'PROGRAM', newId(), now, now);
        try {
          fromOpenAdrProgram(program);
          const created = await registry.programs.create(program, now);
          return await reply.code(201).send(created.body);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.get<ById>(
      '/programs/:programID',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'Read a program', params, response: responses('program', 200) } },
      async (req, reply) => {
        const r = await registry.programs.get(req.params.programID);
        const site = siteClientOf(req);
        if (r === null || (site !== undefined && !visibleToVen(r.body, site))) return notFound(reply, 'program', req.params.programID);
        return r.body;
      },
    );

    api.put<ById>(
      '/programs/:programID',
      { config: { scope: 'write_programs' }, schema: { tags, summary: 'Replace a program', params, body, response: responses('program', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const id = req.params.programID;
        const old = await registry.programs.get(id);
        if (old === null) return notFound(reply, 'program', id);
        const now = nowMs();
        const program = stamp(req.body, 'PROGRAM', id, old.createdMs, now);
        try {
          fromOpenAdrProgram(program);
          return (await registry.programs.update(id, program, now))?.body ?? notFound(reply, 'program', id);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.delete<ById>(
      '/programs/:programID',
      { config: { scope: 'write_programs' }, schema: { tags, summary: 'Delete a program (and its past events)', params, response: responses('program', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const id = req.params.programID;
        if ((await registry.programs.get(id)) === null) return notFound(reply, 'program', id);
        // Deleting cascades to the program's events: refuse while one is still to come or running.
        const now = nowMs();
        const live = (await registry.events.list({ columns: { program_id: id } })).find((e) => {
          try {
            return eventStatus(fromOpenAdrEvent(e.body), now) !== 'completed';
          } catch {
            return false;
          }
        });
        if (live !== undefined) {
          return sendProblem(reply, problem(409, `program ${JSON.stringify(id)} has event ${JSON.stringify(live.id)} pending or active; delete or cancel it first`));
        }
        return (await registry.programs.delete(id))?.body ?? notFound(reply, 'program', id);
      }),
    );
  };
}
