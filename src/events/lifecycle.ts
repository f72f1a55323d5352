import { mulberry32, VppError, type DrEvent, type DrInterval, type DrSignal, type EventStatus } from '../domain/index.js';

/** Opt-out asked at or after the event's start. */
export const EVENTS_OPT_OUT_TOO_LATE = 'EVENTS_OPT_OUT_TOO_LATE';
/** Opt-out asked of a cancelled event. */
export const EVENTS_OPT_OUT_CANCELLED = 'EVENTS_OPT_OUT_CANCELLED';

/** FNV-1a, 32 bit: a stable seed from a string, the same in every process. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The fraction (0..1) of randomizeStart a site's start is delayed by: the first draw of
 * mulberry32 seeded with FNV-1a of `${eventId}/${siteId}`. Deterministic, so every controller
 * process (and a replay) agrees on it, yet spread across sites so they do not all move at once.
 */
export function randomizeFraction(eventId: string, siteId: string): number {
  return mulberry32(fnv1a(`${eventId}/${siteId}`))();
}

/**
 * An interval's window at a site: start delayed by floor(fraction × randomizeStartS) whole
 * seconds, and the end by as much (the duration is kept, so consecutive intervals stay
 * consecutive). Without a site, the nominal window.
 */
export function intervalWindow(ev: DrEvent, interval: DrInterval, siteId?: string): { startMs: number; endMs: number } {
  const delayS = siteId === undefined || interval.randomizeStartS <= 0
    ? 0
    : Math.floor(randomizeFraction(ev.id, siteId) * interval.randomizeStartS);
  const startMs = interval.startMs + delayS * 1000;
  return { startMs, endMs: interval.durationS === null ? Infinity : startMs + interval.durationS * 1000 };
}

/** First start and last end of the event (at a site, with its randomised start). */
export function eventWindow(ev: DrEvent, siteId?: string): { startMs: number; endMs: number } {
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const interval of ev.intervals) {
    const w = intervalWindow(ev, interval, siteId);
    startMs = Math.min(startMs, w.startMs);
    endMs = Math.max(endMs, w.endMs);
  }
  return { startMs, endMs };
}

/**
 * pending before the first interval starts, active until the last one ends, completed after;
 * cancelled from `cancelledAtMs` on, unless it had completed before it was cancelled. With a
 * site id, the site's randomised start is used.
 */
export function eventStatus(ev: DrEvent, nowMs: number, siteId?: string): EventStatus {
  const { startMs, endMs } = eventWindow(ev, siteId);
  if (nowMs >= endMs) return ev.cancelledAtMs !== undefined && ev.cancelledAtMs < endMs ? 'cancelled' : 'completed';
  if (ev.cancelledAtMs !== undefined && nowMs >= ev.cancelledAtMs) return 'cancelled';
  return nowMs < startMs ? 'pending' : 'active';
}

/** Whether the event is addressed to the site: by VEN_NAME, by one of its groups, or to all (no such target). */
export function targetsSite(ev: DrEvent, siteId: string, groupsOfSite: readonly string[]): { named: boolean; viaGroup: boolean } {
  const named = ev.targets.some((t) => t.type === 'VEN_NAME' && t.values.includes(siteId));
  const viaGroup = ev.targets.some((t) => t.type === 'GROUP' && t.values.some((g) => groupsOfSite.includes(g)));
  const addressed = ev.targets.some((t) => t.type === 'VEN_NAME' || t.type === 'GROUP');
  return { named: named || !addressed, viaGroup };
}

export interface ActiveSignalOptions {
  /** Only events of these programmes (the site's enrolments) count; absent: all given. */
  readonly programIds?: readonly string[];
  /**
   * The site's share of a fleet shed, kW (> 0), for an event that reaches the site only through
   * a GROUP target: its DISPATCH_SETPOINT_RELATIVE is the group's total, split by
   * allocateGroupShed. Absent or undefined: the site gets no relative signal from that event.
   */
  readonly groupShareKw?: (eventId: string) => number | undefined;
}

/**
 * The DrSignals in force at the site now, what the control loop feeds to `obligationsFrom`:
 * from every event addressed to the site, active at the site (randomised start), not opted
 * out, from the interval covering now. Ordered by priority (lower number first; none last),
 * then event id, so the result is the same whatever the order of `events`. Capacity limits,
 * setpoints, prices apply to each targeted site as OpenADR says; a relative shed reaching the
 * site only through a GROUP is the group's total and becomes the site's allocated share.
 */
export function activeSignals(
  events: readonly DrEvent[],
  siteId: string,
  groupsOfSite: readonly string[],
  nowMs: number,
  options: ActiveSignalOptions = {},
): DrSignal[] {
  const ordered = [...events].sort(
    (a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const out: DrSignal[] = [];
  for (const ev of ordered) {
    if (options.programIds !== undefined && !options.programIds.includes(ev.programId)) continue;
    const { named, viaGroup } = targetsSite(ev, siteId, groupsOfSite);
    if (!named && !viaGroup) continue;
    if (ev.optOuts.some((o) => o.siteId === siteId)) continue;
    if (eventStatus(ev, nowMs, siteId) !== 'active') continue;
    const interval = ev.intervals.find((i) => {
      const w = intervalWindow(ev, i, siteId);
      return nowMs >= w.startMs && nowMs < w.endMs;
    });
    if (interval === undefined) continue;
    for (const signal of interval.signals) {
      if (signal.type === 'DISPATCH_SETPOINT_RELATIVE' && !named) {
        const shareKw = options.groupShareKw?.(ev.id);
        if (shareKw === undefined || !Number.isFinite(shareKw) || shareKw <= 0) continue;
        out.push({ type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -shareKw, eventId: ev.id });
        continue;
      }
      out.push({ ...signal, eventId: ev.id });
    }
  }
  return out;
}

/**
 * Records the site's opt-out. Allowed only before the event's nominal start (the earliest any
 * site may start): after it the site is bound. Opting out twice returns the event unchanged.
 * Throws EVENTS_OPT_OUT_TOO_LATE / EVENTS_OPT_OUT_CANCELLED.
 */
export function optOut(ev: DrEvent, siteId: string, nowMs: number, reason?: string): DrEvent {
  if (ev.optOuts.some((o) => o.siteId === siteId)) return ev;
  if (ev.cancelledAtMs !== undefined && nowMs >= ev.cancelledAtMs) {
    throw new VppError(EVENTS_OPT_OUT_CANCELLED, `event ${ev.id}: cancelled, nothing to opt out of (site ${siteId})`);
  }
  const { startMs } = eventWindow(ev);
  if (nowMs >= startMs) {
    throw new VppError(
      EVENTS_OPT_OUT_TOO_LATE,
      `event ${ev.id}: opt-out must come before the start ${new Date(startMs).toISOString()}, got ${new Date(nowMs).toISOString()} (site ${siteId})`,
    );
  }
  return {
    ...ev,
    modifiedAtMs: nowMs,
    optOuts: [...ev.optOuts, { siteId, atMs: nowMs, ...(reason === undefined ? {} : { reason }) }],
  };
}

/** The event cancelled at `nowMs` (already cancelled: unchanged). */
export function cancelEvent(ev: DrEvent, nowMs: number): DrEvent {
  return ev.cancelledAtMs !== undefined ? ev : { ...ev, cancelledAtMs: nowMs, modifiedAtMs: nowMs };
}
