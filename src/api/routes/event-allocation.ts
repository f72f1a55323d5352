import type { FastifyPluginAsync } from 'fastify';
import type { DispatchRecord } from '../../store/index.js';
import { idParams, notFound, siteClientOf, type OpenAdrRouteDeps } from './openadr-common.js';
import { eventReachesSite, storedEvent } from './event-opt-outs.js';

const DESCRIPTION = `How the controller dispatched the event, every change a record, oldest first (our extension):
- allocation / reallocation: a GROUP DISPATCH_SETPOINT_RELATIVE (shed N kW in total) split across the group's enrolled sites in proportion to the decrease each can hold for the rest of the event (its live flexibility, under its enrolment's maxShedKw and socFloorPct), capped, the excess of capped sites passed on; shortfallKw is what the group cannot deliver. Re-allocated when a site fails mid-event (its telemetry goes stale or bad, or it stays short of its share): its share moves to the others up to their headroom.
- refusal / clip: a site's enrolment limit refused the event (minNoticeS, maxEventsPerDay/Week, opted out) or clipped it (maxEventDurationS, maxShedKw).
- baseline: the site's baseline for a relative shed (CAISO 10-of-10 with 10 days of history in the store, else meter-before), and the import cap baseline − share it was turned into.
\`current\` is the latest allocation's shares. A site client sees its own records and share only.`;

function view(r: DispatchRecord, own: string | undefined): Record<string, unknown> {
  let body: Record<string, unknown> = { ...r.body };
  if (own !== undefined && (r.kind === 'allocation' || r.kind === 'reallocation')) {
    // Another site's share or why it was excluded is that site's business.
    const mine = <T extends { siteId?: unknown }>(xs: unknown): T[] => (Array.isArray(xs) ? (xs as T[]).filter((x) => x.siteId === own) : []);
    body = { ...body, shares: mine(body['shares']), excluded: mine(body['excluded']), failedSiteIds: Array.isArray(body['failedSiteIds']) ? (body['failedSiteIds'] as unknown[]).filter((s) => s === own) : [] };
  }
  return { seq: r.seq, kind: r.kind, time: new Date(r.atMs).toISOString(), ...(r.siteId === null ? {} : { siteId: r.siteId }), ...body };
}

/** GET /events/{eventID}/allocation (read_all; a site client: events that reach it, its own records). */
export function eventAllocationRoutes(deps: OpenAdrRouteDeps): FastifyPluginAsync {
  const { registry } = deps;
  return async (api) => {
    api.get<{ Params: { eventID: string } }>(
      '/events/:eventID/allocation',
      { config: { scope: 'read_all' }, schema: { tags: ['events'], summary: 'Event dispatch: group allocations, re-allocations, refusals, clips, baselines', description: DESCRIPTION, params: idParams('eventID') } },
      async (req, reply) => {
        const id = req.params.eventID;
        const record = await registry.events.get(id);
        const own = siteClientOf(req);
        const ev = record === null ? null : storedEvent(record);
        if (record === null || (own !== undefined && (ev === null || !(await eventReachesSite(registry, ev, own))))) return notFound(reply, 'event', id);
        const records = (await registry.dispatch.list(id))
          .filter((r) => own === undefined || r.siteId === null || r.siteId === own)
          .map((r) => view(r, own));
        const current = [...records].reverse().find((r) => r['kind'] === 'allocation' || r['kind'] === 'reallocation') ?? null;
        return { eventId: id, current, records };
      },
    );
  };
}
