import type { DrEvent, DrSignal, Enrolment } from '../domain/index.js';
import { clipObligation } from '../events/index.js';

export interface SignalContext {
  readonly nowMs: number;
  /** The event a signal came from. */
  readonly eventOf: (eventId: string) => DrEvent | undefined;
  /** The site's enrolment in the event's programme, if any. */
  readonly enrolmentOf: (ev: DrEvent) => Enrolment | undefined;
  /** The site's live baseline for the event now, kW (undefined while there is none). */
  readonly baselineOf: (ev: DrEvent) => number | undefined;
}

/**
 * The site's active signals within its enrolment, as the controllers take them: a shed
 * (negative DISPATCH_SETPOINT_RELATIVE: the site's own, or its share of a group's) becomes an
 * import cap of baseline − shed, the shed first clipped to maxShedKw; without a baseline it
 * waits (never a cap against a guess). An import cap under an enrolment with maxShedKw is never
 * below baseline − maxShedKw, and dropped while no baseline exists (clipObligation).
 */
export function signalsWithinEnrolment(raw: readonly DrSignal[], ctx: SignalContext): DrSignal[] {
  const out: DrSignal[] = [];
  for (const sig of raw) {
    const ev = sig.eventId === undefined ? undefined : ctx.eventOf(sig.eventId);
    const e = ev === undefined ? undefined : ctx.enrolmentOf(ev);
    const baseline = (): number | undefined => (ev === undefined ? undefined : ctx.baselineOf(ev));
    if (sig.type === 'DISPATCH_SETPOINT_RELATIVE' && sig.valueKw < 0) {
      const shedKw = Math.min(-sig.valueKw, e?.limits.maxShedKw ?? Infinity);
      const b = baseline();
      if (b !== undefined) out.push({ type: 'IMPORT_CAPACITY_LIMIT', valueKw: Math.max(0, b - shedKw), ...(sig.eventId === undefined ? {} : { eventId: sig.eventId }) });
      continue;
    }
    if (sig.type === 'IMPORT_CAPACITY_LIMIT' && e?.limits.maxShedKw !== undefined) {
      const b = baseline();
      const clipped = clipObligation({ importCapKw: sig.valueKw }, e, { nowMs: ctx.nowMs, ...(b === undefined ? {} : { baselineKw: b }) }).obligations.importCapKw;
      if (clipped !== undefined) out.push({ ...sig, valueKw: clipped });
      continue;
    }
    out.push(sig);
  }
  return out;
}
