import { isTimeZone, localToEpochMs } from '../domain/index.js';
import { invalidInput } from './validate.js';

/**
 * Local calendar arithmetic for M&V. Wall-clock time in the site's zone comes from
 * src/domain/local-time.ts (re-exported here, as mv has always offered it); what stays is the
 * arithmetic on calendar dates `YYYY-MM-DD`, which needs no zone.
 */
export { localDate, localMinuteOfDay } from '../domain/index.js';

/** Throws a VppError naming `timezone` unless Intl knows the zone. */
export function checkTimezone(timezone: unknown): string {
  if (!isTimeZone(timezone)) throw invalidInput('timezone', 'must be an IANA time zone', timezone);
  return timezone;
}

function dateUtcMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/**
 * The instant when the wall clock in `timezone` shows `minuteOfDay` on `date`. A wall time the
 * spring-forward gap skips comes out one hour later (02:30 → 03:30 in Berlin); one the autumn
 * fall-back repeats comes out as its second (standard-time) occurrence.
 */
export function wallTimeToMs(date: string, minuteOfDay: number, timezone: string): number {
  const d = new Date(dateUtcMs(date));
  return localToEpochMs(timezone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, minuteOfDay);
}

/** `date` moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  return new Date(dateUtcMs(date) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateUtcMs(to) - dateUtcMs(from)) / 86_400_000);
}

/** Day of week of a calendar date, 0 = Sunday .. 6 = Saturday (as Date.getUTCDay). */
export function dayOfWeek(date: string): number {
  return new Date(dateUtcMs(date)).getUTCDay();
}
