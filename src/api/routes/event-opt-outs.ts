import type { FastifyPluginAsync } from 'fastify';
import { VppError, type DrEvent } from '../../domain/index.js';
import { EVENTS_OPT_OUT_CANCELLED, EVENTS_OPT_OUT_TOO_LATE, formatDateTime, fromOpenAdrEvent, optOut, targetsSite } from '../../events/index.js';
import { venGroups, type EventRecord, type OptOutRecord, type Registry } from '../../store/index.js';
import { problem, sendProblem } from '../problem.js';
import { idParams, notFound, siteClientOf, type OpenAdrRouteDeps } from './openadr-common.js';
import { queuedWrite } from './registry-writes.js';

type ById = { Params: { eventID: string } };

/** The stored event as the controller sees it (cancellation included), or null when it does not map. */
export function storedEvent(r: EventRecord): DrEvent | null {
  try {
    const ev = fromOpenAdrEvent(r.body);
    return r.cancelledMs === null ? ev : { ...ev, cancelledAtMs: r.cancelledMs };
  } catch {
    return null;
  }
}

/** Whether the event reaches the site: VEN_NAME naming it, a GROUP it belongs to (its ven's GROUP targets), or no such target. */
export async function eventReachesSite(registry: Registry, ev: DrEvent, siteId: string): Promise<boolean> {
  const ven = (await registry.vens.list({ columns: { ven_name: siteId }, limit: 1 }))[0];
  const { named, viaGroup } = targetsSite(ev, siteId, ven === undefined ? [] : venGroups(ven.body));
  return named || viaGroup;
}

function optOutView(r: OptOutRecord, siteId: string): Record<string, unknown> {
  const reason = r.body['reason'];
  return { objectType: 'OPT_OUT', eventID: r.eventId, venID: r.venId, siteId, createdDateTime: formatDateTime(r.atMs), ...(typeof reason === 'string' ? { reason } : {}) };
}

const DESCRIPTION = `Our extension: a site declines an event before it starts (the event's nominal start, the earliest any site may start); 409 at or after it, or once cancelled.
A site client opts out for its own ven only; an operator for any ven. The event must reach the ven (VEN_NAME, one of its GROUPs, or no such target). The controller then never dispatches the event to that site, and a group shed is allocated to the others. Opting out twice answers 200 with the first opt-out.`;

/** POST/GET /events/{eventID}/opt-outs. */
export function eventOptOutRoutes(deps: OpenAdrRouteDeps & { readonly onChange?: () => void }): FastifyPluginAsync {
  const { registry, nowMs } = deps;
  const venName = async (venId: string): Promise<string | undefined> => {
    const n = (await registry.vens.get(venId))?.body['venName'];
    return typeof n === 'string' ? n : undefined;
  };
  return async (api) => {
    const tags = ['events'];
    api.post<ById & { Body: { venID: string; reason?: string } }>(
      '/events/:eventID/opt-outs',
      {
        config: { scope: 'write_vens' },
        schema: {
          tags,
          summary: 'Opt a ven out of an event before it starts',
          description: DESCRIPTION,
          params: idParams('eventID'),
          body: { type: 'object', additionalProperties: false, required: ['venID'], properties: { venID: { type: 'string', minLength: 1, maxLength: 128 }, reason: { type: 'string', maxLength: 1000 } } },
        },
      },
      async (req, reply) => queuedWrite(registry, async () => {
        const { venID, reason } = req.body;
        const own = siteClientOf(req);
        const siteId = await venName(venID);
        if (own !== undefined && siteId !== own) return sendProblem(reply, problem(403, `a site client may only opt out its own ven (site ${JSON.stringify(own)}), not ven ${JSON.stringify(venID)}`, 'forbidden'));
        if (siteId === undefined) return sendProblem(reply, problem(400, `body.venID: no ven ${JSON.stringify(venID)}`, 'validation'));
        const record = await registry.events.get(req.params.eventID);
        const ev = record === null ? null : storedEvent(record);
        if (ev === null || !(await eventReachesSite(registry, ev, siteId))) return notFound(reply, 'event', req.params.eventID);
        const now = nowMs();
        try {
          optOut(ev, siteId, now, reason);
        } catch (err) {
          if (err instanceof VppError && (err.code === EVENTS_OPT_OUT_TOO_LATE || err.code === EVENTS_OPT_OUT_CANCELLED)) return sendProblem(reply, problem(409, err.message));
          throw err;
        }
        const { record: saved, created } = await registry.enrolments.optOut(ev.id, venID, { siteId, atMs: now, ...(reason === undefined ? {} : { reason }) }, now);
        deps.onChange?.();
        req.log.info({ event: ev.id, site: siteId, reason }, 'site opted out of DR event');
        return reply.code(created ? 201 : 200).send(optOutView(saved, siteId));
      }),
    );

    api.get<ById>(
      '/events/:eventID/opt-outs',
      { config: { scope: 'read_all' }, schema: { tags, summary: "An event's opt-outs (a site client: its own)", params: idParams('eventID') } },
      async (req, reply) => {
        const record = await registry.events.get(req.params.eventID);
        const own = siteClientOf(req);
        const ev = record === null ? null : storedEvent(record);
        if (ev === null || (own !== undefined && !(await eventReachesSite(registry, ev, own)))) return notFound(reply, 'event', req.params.eventID);
        const views = await Promise.all((await registry.enrolments.optOuts(ev.id)).map(async (r) => optOutView(r, (await venName(r.venId)) ?? r.venId)));
        return views.filter((v) => own === undefined || v['siteId'] === own);
      },
    );
  };
}
