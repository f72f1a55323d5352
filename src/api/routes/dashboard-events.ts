import Type from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { DrEvent, DrSignal } from '../../domain/index.js';
import { eventStatus, eventWindow, fromOpenAdrEvent, intervalWindow } from '../../events/index.js';
import type { Registry } from '../../store/index.js';
import { siteClientOf, visibleToVen } from './openadr-common.js';

export interface DashboardEventDeps {
  readonly registry: Registry;
  readonly nowMs: () => number;
}

/** Completed and cancelled events stay listed this long after their window ends. */
const KEEP_ENDED_MS = 7 * 24 * 3_600_000;
const MAX_EVENTS = 200;

const Signal = Type.Object({
  type: Type.String(),
  value: Type.Union([Type.Number(), Type.Null()], { description: 'kW for capacity limits and dispatch, level for SIMPLE, per kWh for PRICE, g/kWh for GHG' }),
  unit: Type.String(),
});

const Summary = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  programId: Type.String(),
  status: Type.Enum(['pending', 'active', 'completed', 'cancelled']),
  start: Type.String({ format: 'date-time' }),
  end: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null: open-ended' }),
  cancelledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  siteIds: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'VEN_NAME targets; null: every enrolled site' }),
  groups: Type.Array(Type.String()),
  intervals: Type.Array(Type.Object({ start: Type.String({ format: 'date-time' }), end: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]), signals: Type.Array(Signal) })),
});

const DESCRIPTION = `A read-only summary of the DR events for the dashboard, readable without a token: status, window, targeted sites and signal values, nothing more (no report descriptors, no payload descriptors, no opt-outs).
The full OpenADR objects stay behind read_all at /events. A site client sees only the events addressed to its site.
Lists pending and active events and those that ended within the last 7 days, newest window first (at most ${MAX_EVENTS}).`;

function signalView(s: DrSignal): Type.Static<typeof Signal> {
  switch (s.type) {
    case 'SIMPLE':
      return { type: s.type, value: s.level, unit: 'level' };
    case 'PRICE':
      return { type: s.type, value: s.pricePerKwh, unit: s.currency === undefined ? 'per kWh' : `${s.currency}/kWh` };
    case 'GHG':
      return { type: s.type, value: s.gPerKwh, unit: 'g/kWh' };
    default:
      return { type: s.type, value: s.valueKw, unit: 'kW' };
  }
}

const iso = (ms: number): string | null => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

/** The dashboard's view of one event: window, targets and signal values only. */
export function eventSummary(ev: DrEvent, nowMs: number): Type.Static<typeof Summary> {
  const w = eventWindow(ev);
  const named = ev.targets.filter((t) => t.type === 'VEN_NAME').flatMap((t) => t.values);
  const groups = ev.targets.filter((t) => t.type === 'GROUP').flatMap((t) => t.values);
  return {
    id: ev.id,
    name: ev.name ?? null,
    programId: ev.programId,
    status: eventStatus(ev, nowMs),
    start: new Date(w.startMs).toISOString(),
    end: iso(w.endMs),
    cancelledAt: ev.cancelledAtMs === undefined ? null : new Date(ev.cancelledAtMs).toISOString(),
    siteIds: named.length > 0 || groups.length > 0 ? named : null,
    groups,
    intervals: ev.intervals.map((i) => {
      const iw = intervalWindow(ev, i);
      return { start: new Date(iw.startMs).toISOString(), end: iso(iw.endMs), signals: i.signals.map(signalView) };
    }),
  };
}

/**
 * GET /dashboard/events: the public, read-only event summary the dashboard shows without a
 * token. Site state is public already and an event's effect shows in it; the stream sends event
 * status to anyone; so window, targets and values reveal nothing the public reads do not.
 */
export function dashboardEventRoutes(deps: DashboardEventDeps): FastifyPluginAsync {
  const { registry, nowMs } = deps;
  return async (api) => {
    api.get(
      '/dashboard/events',
      { schema: { tags: ['sites'], summary: 'Read-only DR event summary for the dashboard (no token needed)', description: DESCRIPTION, response: { 200: Type.Array(Summary) } } },
      async (req) => {
        const now = nowMs();
        const own = siteClientOf(req);
        const out: Array<Type.Static<typeof Summary>> = [];
        const listed = (await registry.events.list({ includeHidden: true })).filter((r) => own === undefined || visibleToVen(r.body, own));
        // The list leaves out cancellation; each event's own record has it.
        const records = await Promise.all(listed.map((r) => registry.events.get(r.id)));
        for (const [i, r] of listed.entries()) {
          let ev: DrEvent;
          try {
            ev = fromOpenAdrEvent(r.body);
          } catch {
            continue; // a stored body that does not map is no event the controller acts on
          }
          const record = records[i];
          if (record === null || record === undefined) continue; // deleted since it was listed
          const cancelledMs = record.cancelledMs;
          if (cancelledMs !== null) ev = { ...ev, cancelledAtMs: cancelledMs };
          const endMs = Math.min(eventWindow(ev).endMs, cancelledMs ?? Infinity);
          if (now - endMs > KEEP_ENDED_MS) continue;
          out.push(eventSummary(ev, now));
        }
        out.sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
        return out.slice(0, MAX_EVENTS);
      },
    );
  };
}
