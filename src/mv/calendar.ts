import { checkTimezone, dayOfWeek, localDate } from './zone.js';
import { invalidInput, isoDate } from './validate.js';

/**
 * A site's working-day calendar. `holidays` are public holidays (non-business even on a
 * weekday); `workdays` are make-up working days (调休, 补班) that fall on a weekend and count as
 * business days. Everything is in the site's IANA zone: a day is its local calendar date.
 */
export interface CalendarSpec {
  readonly timezone: string;
  readonly holidays: readonly string[];
  readonly workdays: readonly string[];
  /** Days of week that are weekend, 0 = Sunday .. 6 = Saturday. Default [6, 0]. */
  readonly weekend?: readonly number[];
}

export type DayType = 'business' | 'nonBusiness';

export interface HolidayCalendar {
  readonly timezone: string;
  /** `date` is a local calendar date YYYY-MM-DD. */
  isBusinessDay(date: string): boolean;
  /** The type of the local day that contains `atMs`. */
  dayType(atMs: number): DayType;
  /** The local calendar date that contains `atMs`. */
  localDate(atMs: number): string;
}

function dateList(field: string, value: unknown): Set<string> {
  if (!Array.isArray(value)) throw invalidInput(field, 'must be an array of dates YYYY-MM-DD', value);
  return new Set(value.map((d: unknown, i) => isoDate(`${field}[${i}]`, d)));
}

/** Builds a calendar; throws a VppError (code MV_INVALID_INPUT) naming the first bad field. */
export function holidayCalendar(spec: CalendarSpec): HolidayCalendar {
  if (typeof spec !== 'object' || spec === null) throw invalidInput('calendar', 'must be an object', spec);
  const timezone = checkTimezone(spec.timezone);
  const holidays = dateList('calendar.holidays', spec.holidays);
  const workdays = dateList('calendar.workdays', spec.workdays);
  for (const d of workdays) {
    if (holidays.has(d)) throw invalidInput('calendar.workdays', 'must not repeat a holiday', d);
  }
  const weekendIn: unknown = spec.weekend ?? [6, 0];
  if (!Array.isArray(weekendIn)) throw invalidInput('calendar.weekend', 'must be an array of days 0..6', weekendIn);
  const weekend = new Set<number>();
  weekendIn.forEach((d: unknown, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 6) {
      throw invalidInput(`calendar.weekend[${i}]`, 'must be an integer 0 (Sunday) .. 6 (Saturday)', d);
    }
    weekend.add(d);
  });

  const isBusinessDay = (date: string): boolean => {
    isoDate('date', date);
    if (holidays.has(date)) return false;
    if (workdays.has(date)) return true;
    return !weekend.has(dayOfWeek(date));
  };
  return {
    timezone,
    isBusinessDay,
    dayType: (atMs) => (isBusinessDay(localDate(atMs, timezone)) ? 'business' : 'nonBusiness'),
    localDate: (atMs) => localDate(atMs, timezone),
  };
}
