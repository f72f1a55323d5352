import type { FastifyPluginAsync } from 'fastify';
import type { DrEvent, ProgramRate } from '../../domain/index.js';
import { eventStatus, eventWindow, fromOpenAdrEvent, parseProgramRate, targetsSite } from '../../events/index.js';
import { groupsBySite, type Registry } from '../../store/index.js';
import type { SiteView } from '../deps.js';
import { problem, sendProblem } from '../problem.js';
import type { MeteredSeries as Store } from '../../mv/index.js';
import { idParams, notFound, siteClientOf, visibleToVen } from './openadr-common.js';
import { sitePerformance } from '../../mv/index.js';
import { eventReachesSite } from './event-opt-outs.js';

export interface EventPerformanceDeps {
  readonly registry: Registry;
  readonly nowMs: () => number;
  readonly store: Store;
  readonly sites: () => readonly SiteView[];
}

const DESCRIPTION = `Measurement and verification of a DR event, computed from the store's metered gridPowerKw of each site it targets (VEN_NAME; no VEN_NAME or GROUP target: every site).
Per site: the window at the site (randomised start; cut at a cancellation; while active, the intervals that have ended), the interval length (900 s; 60 s for a window under an hour), the baseline with its method and why (CAISO 10-of-10 with the same-day adjustment when the store holds 10 days of history, else meter-before/meter-after on the interval before the start), and per interval baseline, actual, delivered kW and kWh and compliance (IMPORT_CAPACITY_LIMIT: mean import <= limit x 1.01; a shed: delivered >= shed x 0.99).
An interval without good meter data has null numbers and a reason, never 0. A settlement is given only when the program body carries a \`rate\` ({kind: energy, pricePerKwh} or {kind: capacity, pricePerKw}) and every interval has data.`;

/** The program's rate, from the `rate` extension its body may carry; an unusable one is said, not guessed. */
async function rateOf(registry: Registry, programId: string): Promise<{ rate?: ProgramRate; rateProblem?: string }> {
  const body = (await registry.programs.get(programId))?.body;
  if (body === undefined || body['rate'] === undefined) return {};
  try {
    return { rate: parseProgramRate(body['rate']) };
  } catch (err) {
    return { rateProblem: (err as Error).message };
  }
}

/** Other events of the registry (their days are never like days), those that map. */
async function otherEvents(registry: Registry, id: string): Promise<DrEvent[]> {
  const out: DrEvent[] = [];
  for (const r of await registry.events.list({ includeHidden: true })) {
    if (r.id === id) continue;
    try {
      out.push(fromOpenAdrEvent(r.body));
    } catch {
      // A stored event that does not map is no event day we can place; the runtime logs it.
    }
  }
  return out;
}

/**
 * Whether a site's performance in the event is measured, and against what: a site named by
 * VEN_NAME (or an event addressed to no one in particular) against the event's own request; a
 * site reached through a GROUP against its allocated share, and not at all without one.
 */
export async function measuredAs(
  registry: Registry,
  ev: DrEvent,
  siteId: string,
  groups?: ReadonlyMap<string, readonly string[]>,
): Promise<{ readonly measured: boolean; readonly groupShareKw?: number }> {
  const reach = targetsSite(ev, siteId, (groups ?? (await groupsBySite(registry.vens))).get(siteId) ?? []);
  if (reach.named) return { measured: true };
  if (!reach.viaGroup) return { measured: false };
  const share = (await latestShares(registry, ev.id)).get(siteId);
  return share === undefined ? { measured: false } : { measured: true, groupShareKw: share };
}

/** Each site's shed in the event's latest GROUP allocation or re-allocation (registry dispatch log). */
async function latestShares(registry: Registry, eventId: string): Promise<Map<string, number>> {
  const last = [...(await registry.dispatch.list(eventId))].reverse().find((r) => r.kind === 'allocation' || r.kind === 'reallocation');
  const shares = Array.isArray(last?.body['shares']) ? (last.body['shares'] as unknown[]) : [];
  const out = new Map<string, number>();
  for (const s of shares) {
    const { siteId, shedKw } = (s ?? {}) as { siteId?: unknown; shedKw?: unknown };
    if (typeof siteId === 'string' && typeof shedKw === 'number' && Number.isFinite(shedKw)) out.set(siteId, shedKw);
  }
  return out;
}

/** GET /events/{eventID}/performance (read_all; a site client: events that target it, its own site only). */
export function eventPerformanceRoutes(deps: EventPerformanceDeps): FastifyPluginAsync {
  const { registry, store, sites, nowMs } = deps;
  return async (api) => {
    api.get<{ Params: { eventID: string } }>(
      '/events/:eventID/performance',
      {
        config: { scope: 'read_all' },
        schema: { tags: ['events'], summary: 'Event performance: baseline, delivered kW and kWh, compliance, settlement', description: DESCRIPTION, params: idParams('eventID') },
      },
      async (req, reply) => {
        const id = req.params.eventID;
        const record = await registry.events.get(id);
        const own = siteClientOf(req);
        if (record === null) return notFound(reply, 'event', id);
        let ev: DrEvent;
        try {
          ev = fromOpenAdrEvent(record.body);
        } catch (err) {
          if (own !== undefined && !visibleToVen(record.body, own)) return notFound(reply, 'event', id);
          return sendProblem(reply, problem(409, `event ${JSON.stringify(id)} as stored does not map onto a DR event: ${(err as Error).message}`));
        }
        // A site client: events addressed to it by name or through one of its groups.
        if (own !== undefined && !(await eventReachesSite(registry, ev, own))) return notFound(reply, 'event', id);
        if (record.cancelledMs !== null) ev = { ...ev, cancelledAtMs: record.cancelledMs };
        const now = nowMs();
        const status = eventStatus(ev, now);
        if (status === 'pending' || (status === 'cancelled' && (ev.cancelledAtMs ?? 0) <= eventWindow(ev).startMs)) {
          return sendProblem(reply, problem(409, `event ${JSON.stringify(id)} is ${status}: nothing to measure before ${new Date(eventWindow(ev).startMs).toISOString()}`));
        }
        // Sites named by VEN_NAME, and sites reached through a GROUP (their ven's GROUP targets),
        // the latter measured against their allocated share (the latest allocation's).
        const groups = await groupsBySite(registry.vens);
        const candidates = sites()
          .map((v) => v.site)
          .filter((s) => own === undefined || s.id === own);
        const measured = await Promise.all(candidates.map(async (site) => ({ site, as: await measuredAs(registry, ev, site.id, groups) })));
        const targeted = measured.filter((t) => t.as.measured);
        const [{ rate, rateProblem }, others] = await Promise.all([rateOf(registry, ev.programId), otherEvents(registry, id)]);
        const perSite = [];
        for (const { site, as } of targeted) {
          const view = await sitePerformance(store, site, ev, others, now, rate, as.groupShareKw);
          perSite.push(rateProblem === undefined ? view : { ...view, settlementWithheld: `the programme's rate is unusable: ${rateProblem}` });
        }
        return { eventId: id, programId: ev.programId, status, computedAt: new Date(now).toISOString(), ...(rate === undefined ? {} : { rate }), sites: perSite };
      },
    );
  };
}
