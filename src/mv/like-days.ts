import type { DayType, HolidayCalendar } from './calendar.js';
import type { IntervalLookup } from './series.js';
import { addDays, daysBetween, localDate, localMinuteOfDay, wallTimeToMs } from './zone.js';

/** Where an event-day interval sits on the wall clock: days after the event date, minute of day. */
interface WallSlot {
  readonly dayOffset: number;
  readonly minute: number;
}

/** A like day that passed: its local date and the kW of every requested slot, in slot order. */
export interface DayProfile {
  readonly date: string;
  readonly valuesKw: readonly number[];
}

export interface SkippedDay {
  readonly date: string;
  readonly reason: 'eventDay' | 'missingData';
}

export interface LikeDaySelection {
  readonly selected: readonly DayProfile[];
  readonly skipped: readonly SkippedDay[];
}

/**
 * Maps event-day interval starts to wall-clock slots, so that a like day's matching interval is
 * the one at the same local time: across a DST change 14:00 stays 14:00 while the UTC offset
 * moves (a fixed 24 h step would take 13:00 or 15:00). A window past local midnight keeps its
 * day offset.
 */
export function wallSlots(targetsMs: readonly number[], eventDate: string, timezone: string): WallSlot[] {
  return targetsMs.map((t) => ({
    dayOffset: daysBetween(eventDate, localDate(t, timezone)),
    minute: localMinuteOfDay(t, timezone),
  }));
}

/** The kW at each slot on `date`, or null when any slot has no good value. */
export function dayValues(lookup: IntervalLookup, date: string, slots: readonly WallSlot[], timezone: string): number[] | null {
  const out: number[] = [];
  for (const s of slots) {
    const v = lookup.get(wallTimeToMs(addDays(date, s.dayOffset), s.minute, timezone));
    if (v === undefined) return null;
    out.push(v);
  }
  return out;
}

export interface LikeDayQuery {
  readonly calendar: HolidayCalendar;
  readonly lookup: IntervalLookup;
  readonly eventDate: string;
  readonly dayType: DayType;
  readonly slots: readonly WallSlot[];
  readonly days: number;
  readonly lookbackDays: number;
  readonly excludeDates: ReadonlySet<string>;
}

/**
 * The `days` most recent like days before the event date, newest first: same day type (business
 * for a business event day, else non-business, by the site's holiday calendar), not an event day
 * of the site, and with a good value in every slot. A day that fails the data test is skipped
 * and the next older like day is tried, up to `lookbackDays` calendar days back.
 */
export function selectLikeDays(q: LikeDayQuery): LikeDaySelection {
  const selected: DayProfile[] = [];
  const skipped: SkippedDay[] = [];
  for (let back = 1; back <= q.lookbackDays && selected.length < q.days; back++) {
    const date = addDays(q.eventDate, -back);
    const type = q.calendar.isBusinessDay(date) ? 'business' : 'nonBusiness';
    if (type !== q.dayType) continue;
    if (q.excludeDates.has(date)) {
      skipped.push({ date, reason: 'eventDay' });
      continue;
    }
    const valuesKw = dayValues(q.lookup, date, q.slots, q.calendar.timezone);
    if (valuesKw === null) skipped.push({ date, reason: 'missingData' });
    else selected.push({ date, valuesKw });
  }
  return { selected, skipped };
}
