import type { ControlObligations } from '../control/index.js';
import type { DrEvent, Enrolment } from '../domain/index.js';
import { eventStatus, eventWindow, targetsSite } from './lifecycle.js';
import { localDayNumber, localWeekNumber } from './zone.js';

export type EnrolmentLimitName =
  | 'program' | 'cancelled' | 'optedOut'
  | 'minNoticeS' | 'maxEventsPerDay' | 'maxEventsPerWeek' | 'maxEventDurationS' | 'maxShedKw';

/**
 * A limit the event breaks at the site. `refuse`: the event is not dispatched to the site at
 * all; `clip`: it is dispatched within the limit (held at most maxEventDurationS, shed at most
 * maxShedKw) by clipObligation.
 */
export interface EnrolmentViolation {
  readonly limit: EnrolmentLimitName;
  readonly action: 'refuse' | 'clip';
  readonly detail: string;
}

export interface DispatchCheck {
  /** True when nothing is broken: the event is dispatched as asked. */
  readonly ok: boolean;
  readonly dispatch: 'full' | 'clipped' | 'refused';
  readonly violations: readonly EnrolmentViolation[];
  /** When not refused: the site's start and the end it is held to (clipped by maxEventDurationS). */
  readonly window?: { readonly startMs: number; readonly endMs: number };
}

/** An event the site was dispatched earlier (not refused, not opted out, not cancelled before it started). */
export interface DispatchedEvent {
  readonly eventId: string;
  /** The event's start at the site, epoch ms. */
  readonly startMs: number;
}

/**
 * Whether `event` may be dispatched to the enrolled site. Refused: another programme,
 * cancelled or opted out, notice shorter than minNoticeS (counted from the event's createdAtMs
 * to the site's randomised start: a site cannot prepare for what it learns too late), or the
 * day's or week's count already reached (events in `history` starting on the same local day /
 * ISO week, in the enrolment's zone; the event itself is not counted twice). Clipped: longer
 * than maxEventDurationS, or a relative shed addressed to the site larger than maxShedKw (a
 * group's shed is capped by allocateGroupShed instead).
 */
export function checkDispatch(enrolment: Enrolment, event: DrEvent, history: readonly DispatchedEvent[], nowMs: number): DispatchCheck {
  const v: EnrolmentViolation[] = [];
  const refuse = (limit: EnrolmentLimitName, detail: string): number => v.push({ limit, action: 'refuse', detail });
  const clip = (limit: EnrolmentLimitName, detail: string): number => v.push({ limit, action: 'clip', detail });
  const L = enrolment.limits;
  const site = enrolment.siteId;
  const { startMs, endMs } = eventWindow(event, site);

  if (event.programId !== enrolment.programId) refuse('program', `event of programme ${event.programId}, site enrolled in ${enrolment.programId}`);
  if (eventStatus(event, nowMs, site) === 'cancelled') refuse('cancelled', `cancelled at ${String(event.cancelledAtMs)}`);
  if (event.optOuts.some((o) => o.siteId === site)) refuse('optedOut', `site ${site} opted out`);
  const noticeS = (startMs - event.createdAtMs) / 1000;
  if (L.minNoticeS !== undefined && noticeS < L.minNoticeS) refuse('minNoticeS', `notice ${noticeS} s < minNoticeS ${L.minNoticeS} s`);

  const others = history.filter((h) => h.eventId !== event.id);
  const tz = enrolment.timezone;
  if (L.maxEventsPerDay !== undefined) {
    const day = localDayNumber(startMs, tz);
    const n = others.filter((h) => localDayNumber(h.startMs, tz) === day).length;
    if (n >= L.maxEventsPerDay) refuse('maxEventsPerDay', `${n} event(s) already on that local day (${tz}), maxEventsPerDay ${L.maxEventsPerDay}`);
  }
  if (L.maxEventsPerWeek !== undefined) {
    const week = localWeekNumber(startMs, tz);
    const n = others.filter((h) => localWeekNumber(h.startMs, tz) === week).length;
    if (n >= L.maxEventsPerWeek) refuse('maxEventsPerWeek', `${n} event(s) already in that local week (${tz}), maxEventsPerWeek ${L.maxEventsPerWeek}`);
  }

  let heldEndMs = endMs;
  const durationS = (endMs - startMs) / 1000;
  if (L.maxEventDurationS !== undefined && durationS > L.maxEventDurationS) {
    heldEndMs = startMs + L.maxEventDurationS * 1000;
    clip('maxEventDurationS', `duration ${Number.isFinite(durationS) ? `${durationS} s` : 'open-ended'} > maxEventDurationS ${L.maxEventDurationS} s: held until ${new Date(heldEndMs).toISOString()}`);
  }
  if (L.maxShedKw !== undefined && targetsSite(event, site, []).named) {
    const shedKw = Math.max(0, ...event.intervals.flatMap((i) => i.signals).map((s) => (s.type === 'DISPATCH_SETPOINT_RELATIVE' ? -s.valueKw : 0)));
    if (shedKw > L.maxShedKw) clip('maxShedKw', `shed ${shedKw} kW > maxShedKw ${L.maxShedKw} kW: clipped to ${L.maxShedKw} kW`);
  }

  const refused = v.some((x) => x.action === 'refuse');
  return {
    ok: v.length === 0,
    dispatch: refused ? 'refused' : v.length > 0 ? 'clipped' : 'full',
    violations: v,
    ...(refused ? {} : { window: { startMs, endMs: heldEndMs } }),
  };
}

export interface ClipContext {
  readonly nowMs: number;
  /** When the site began holding the event's obligation (its start at the site). */
  readonly heldSinceMs?: number;
  /** The site's expected import without the event, kW; sheds are measured against it. */
  readonly baselineKw?: number;
}

/**
 * The obligations within the enrolment: released (none) once held maxEventDurationS since
 * heldSinceMs, and an import cap never below baselineKw − maxShedKw. Without a finite baseline
 * a cap cannot be measured as a shed, so under a maxShedKw it is dropped, never enforced blind;
 * `notes` says so. Export caps and floors ask for more import, not a shed: kept.
 */
export function clipObligation(obligations: ControlObligations, enrolment: Enrolment, ctx: ClipContext): { obligations: ControlObligations; notes: string[] } {
  const L = enrolment.limits;
  const notes: string[] = [];
  if (L.maxEventDurationS !== undefined && ctx.heldSinceMs !== undefined && ctx.nowMs - ctx.heldSinceMs >= L.maxEventDurationS * 1000) {
    notes.push(`released: held ${(ctx.nowMs - ctx.heldSinceMs) / 1000} s, maxEventDurationS ${L.maxEventDurationS} s (site ${enrolment.siteId})`);
    return { obligations: {}, notes };
  }
  const cap = obligations.importCapKw;
  if (L.maxShedKw === undefined || cap === undefined) return { obligations, notes };
  const { importCapKw: _drop, sources, ...rest } = obligations;
  const { importCap: capSource, ...otherSources } = sources ?? {};
  const withSources = (s: Record<string, string | undefined>): ControlObligations =>
    Object.keys(s).length === 0 ? rest : { ...rest, sources: s };
  const baseline = ctx.baselineKw;
  if (baseline === undefined || !Number.isFinite(baseline)) {
    notes.push(`import cap ${cap} kW dropped: no baseline to measure it against maxShedKw ${L.maxShedKw} kW (got ${String(baseline)})`);
    return { obligations: withSources(otherSources), notes };
  }
  const lowestKw = baseline - L.maxShedKw;
  if (cap >= lowestKw) return { obligations, notes };
  notes.push(`import cap ${cap} kW raised to ${lowestKw} kW: maxShedKw ${L.maxShedKw} kW below baseline ${baseline} kW`);
  return {
    obligations: {
      ...withSources({ ...otherSources, importCap: `${capSource ?? 'import cap'}, clipped to maxShedKw ${L.maxShedKw} kW` }),
      importCapKw: lowestKw,
    },
    notes,
  };
}
