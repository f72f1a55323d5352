import type { HolidayCalendar } from './calendar.js';
import { indexIntervals, type IntervalLookup, type IntervalPoint } from './series.js';
import { finite, invalidInput, isoDate, positive } from './validate.js';

/** An event's window: [startMs, endMs). */
export interface EventWindow {
  readonly startMs: number;
  readonly endMs: number;
}

export interface BaselineInput {
  /** The site's calendar (its zone decides what a day is). */
  readonly calendar: HolidayCalendar;
  readonly event: EventWindow;
  /** Settlement interval, s (900 for quarter hours). The event window is a whole number of them. */
  readonly intervalS: number;
  /**
   * The site's interval-mean import kW over the look-back and the event day up to the event
   * start (the same-day adjustment and meter-before read the event day's own intervals).
   */
  readonly series: readonly IntervalPoint[];
  /** Local dates (YYYY-MM-DD) of the site's other DR event days; never used as like days. */
  readonly excludeDates?: readonly string[];
}

export interface CheckedInput {
  readonly intervalMs: number;
  readonly intervals: number;
  readonly lookup: IntervalLookup;
  readonly excludeDates: ReadonlySet<string>;
}

/** Throws a VppError (code MV_INVALID_INPUT) naming the first field that is not usable. */
export function checkBaselineInput(input: BaselineInput): CheckedInput {
  if (typeof input !== 'object' || input === null) throw invalidInput('baseline', 'must be an object', input);
  const cal = input.calendar as Partial<HolidayCalendar> | undefined;
  if (typeof cal?.isBusinessDay !== 'function' || typeof cal.timezone !== 'string') {
    throw invalidInput('calendar', 'must come from holidayCalendar()', typeof cal);
  }
  const intervalS = positive('intervalS', input.intervalS);
  const intervalMs = intervalS * 1000;
  if (typeof input.event !== 'object' || input.event === null) throw invalidInput('event', 'must be {startMs, endMs}', input.event);
  const startMs = finite('event.startMs', input.event.startMs);
  const endMs = finite('event.endMs', input.event.endMs);
  if (!(endMs > startMs)) throw invalidInput('event.endMs', `must be after event.startMs (${startMs})`, endMs);
  const intervals = (endMs - startMs) / intervalMs;
  if (!Number.isInteger(intervals)) throw invalidInput('event.endMs', `must be a whole number of ${intervalS} s intervals after event.startMs`, endMs);
  const excludeIn: unknown = input.excludeDates ?? [];
  if (!Array.isArray(excludeIn)) throw invalidInput('excludeDates', 'must be an array of dates YYYY-MM-DD', excludeIn);
  const excludeDates = new Set(excludeIn.map((d: unknown, i) => isoDate(`excludeDates[${i}]`, d)));
  const lookup = indexIntervals('series', input.series, startMs, intervalS);
  return { intervalMs, intervals, lookup, excludeDates };
}

/** Interval starts [fromMs, toMs) on the grid. */
export function gridStarts(fromMs: number, toMs: number, intervalMs: number): number[] {
  const out: number[] = [];
  for (let t = fromMs; t < toMs; t += intervalMs) out.push(t);
  return out;
}
