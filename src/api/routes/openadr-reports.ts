import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenAdrBody } from '../../store/index.js';
import { openAdrSchemaIds } from '../openadr/index.js';
import { problem, sendProblem } from '../problem.js';
import {
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
  venIdOfClientName,
  venIdOfSite,
  visibleToVen,
  type OpenAdrRouteDeps,
  type Refused,
} from './openadr-common.js';
import { queuedWrite } from './registry-writes.js';

type ById = { Params: { reportID: string } };
type ListReports = { Querystring: { skip: number; limit: number; programID?: string; eventID?: string; clientName?: string } };

/**
 * OpenADR 3.0.1 /reports. As OpenADR has it, only VENs write reports (write_reports: our site
 * clients), and each only as itself: `clientName` must be its site id (the ven's venName) or
 * its ven's id, and the report is owned by that ven. Operators and viewers read every report;
 * a site reads only its own (404 for others', so it cannot learn they exist). Beyond the
 * schema a report names an existing program, and an event of that program the site may see.
 */
export function openAdrReportRoutes(deps: OpenAdrRouteDeps): FastifyPluginAsync {
  const { registry, nowMs } = deps;

  /** The owning ven for a write (a reply already sent when refused). */
  async function ownerFor(req: FastifyRequest, reply: FastifyReply, body: OpenAdrBody): Promise<string | null | Refused> {
    const site = siteClientOf(req);
    if (site === undefined) return (await venIdOfClientName(registry, body['clientName'])) ?? null;
    const venId = await venIdOfSite(registry, site);
    if (venId === undefined) return refusal(sendProblem(reply, problem(409, `site ${JSON.stringify(site)} has no ven; create it (POST /vens) first`)));
    const name = body['clientName'];
    if (name !== site && name !== venId) {
      return refusal(sendProblem(reply, problem(403, `a site client reports only as its own ven: clientName must be ${JSON.stringify(site)} or ${JSON.stringify(venId)}, got ${JSON.stringify(name)}`, 'forbidden')));
    }
    return venId;
  }

  /** `field: why` when the report names no program, or no event of it that the writer may see. */
  async function referenceProblem(body: OpenAdrBody, site: string | undefined): Promise<string | null> {
    const programId = body['programID'];
    if (typeof programId !== 'string' || (await registry.programs.get(programId)) === null) return `programID: no program ${JSON.stringify(programId)}`;
    const eventId = body['eventID'];
    const event = typeof eventId === 'string' ? await registry.events.get(eventId) : null;
    if (event === null || (site !== undefined && !visibleToVen(event.body, site))) return `eventID: no event ${JSON.stringify(eventId)}`;
    if (event.body['programID'] !== programId) return `eventID: event ${JSON.stringify(eventId)} belongs to program ${JSON.stringify(event.body['programID'])}, not ${JSON.stringify(programId)}`;
    return null;
  }

  /** The record, if the caller may see it: a site client only its own ven's. */
  const readable = async (req: FastifyRequest, id: string) => ownedReadable(registry, req, await registry.reports.get(id));


  return async (api) => {
    const tags = ['reports'];
    const body = { $ref: openAdrSchemaIds.report };
    const params = idParams('reportID');
    const querystring = {
      type: 'object',
      properties: {
        ...PAGE_PARAMS,
        programID: { ...OBJECT_ID_PARAM, description: 'only reports of this program' },
        eventID: { ...OBJECT_ID_PARAM, description: 'only reports on this event' },
        clientName: { type: 'string', minLength: 1, maxLength: 128, description: 'only reports with this clientName' },
      },
    };

    api.get<ListReports>(
      '/reports',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'List reports (a site: its own)', querystring, response: responses('report', 200, true) } },
      async (req) => {
        const q = req.query;
        const site = siteClientOf(req);
        const own = site === undefined ? undefined : await venIdOfSite(registry, site);
        if (site !== undefined && own === undefined) return [];
        const columns: Record<string, string> = {
          ...(q.programID === undefined ? {} : { program_id: q.programID }),
          ...(q.eventID === undefined ? {} : { event_id: q.eventID }),
          ...(q.clientName === undefined ? {} : { client_name: q.clientName }),
          ...(own === undefined ? {} : { ven_id: own }),
        };
        return (await registry.reports.list({ skip: q.skip, limit: q.limit, columns })).map((r) => r.body);
      },
    );

    api.post(
      '/reports',
      { config: { scope: 'write_reports' }, schema: { tags, summary: 'Create a report (VENs only, as themselves)', body, response: responses('report', 201) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const now = nowMs();
        const report = stamp(req.body, 'REPORT', newId(), now, now);
        const owner = await ownerFor(req, reply, report);
        if (isRefused(owner)) return owner.refused;
        const why = await referenceProblem(report, siteClientOf(req));
        if (why !== null) return refuse(reply, why);
        try {
          return await reply.code(201).send((await registry.reports.create(report, now, owner)).body);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.get<ById>(
      '/reports/:reportID',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'Read a report', params, response: responses('report', 200) } },
      async (req, reply) => (await readable(req, req.params.reportID))?.body ?? notFound(reply, 'report', req.params.reportID),
    );

    api.put<ById>(
      '/reports/:reportID',
      { config: { scope: 'write_reports' }, schema: { tags, summary: 'Replace a report (its writer only)', params, body, response: responses('report', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const id = req.params.reportID;
        const old = await readable(req, id);
        if (old === null) return notFound(reply, 'report', id);
        const now = nowMs();
        const report = stamp(req.body, 'REPORT', id, old.createdMs, now);
        const owner = await ownerFor(req, reply, report);
        if (isRefused(owner)) return owner.refused;
        const why = await referenceProblem(report, siteClientOf(req));
        if (why !== null) return refuse(reply, why);
        try {
          return (await registry.reports.update(id, report, now))?.body ?? notFound(reply, 'report', id);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.delete<ById>(
      '/reports/:reportID',
      { config: { scope: 'write_reports' }, schema: { tags, summary: 'Delete a report (its writer only)', params, response: responses('report', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const id = req.params.reportID;
        if ((await readable(req, id)) === null) return notFound(reply, 'report', id);
        return (await registry.reports.delete(id))?.body ?? notFound(reply, 'report', id);
      }),
    );
  };
}
