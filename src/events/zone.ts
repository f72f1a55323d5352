import { invalid } from './validate.js';

/**
 * Which local day and ISO week an instant falls in, in an IANA zone (Intl applies the zone's
 * rules, DST included). Enrolment limits count events per local day and week of the site.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: 'numeric', day: 'numeric' });
    } catch {
      throw invalid('timezone', 'must be an IANA time zone', timezone);
    }
    formatters.set(timezone, f);
  }
  return f;
}

/** Throws naming `field` unless Intl knows the zone. */
export function checkTimezone(field: string, timezone: unknown): string {
  if (typeof timezone !== 'string' || timezone === '') throw invalid(field, 'must be an IANA time zone', timezone);
  try {
    formatter(timezone);
  } catch {
    throw invalid(field, 'must be an IANA time zone', timezone);
  }
  return timezone;
}

/** Days since 1970-01-01 of the local calendar date at `atMs` in `timezone`. */
export function localDayNumber(atMs: number, timezone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timezone).formatToParts(new Date(atMs))) parts[p.type] = Number(p.value);
  return Math.round(Date.UTC(parts.year ?? NaN, (parts.month ?? NaN) - 1, parts.day ?? NaN) / 86_400_000);
}

/** The local ISO week (Monday first) as the day number of its Monday. 1970-01-01 was a Thursday. */
export function localWeekNumber(atMs: number, timezone: string): number {
  const day = localDayNumber(atMs, timezone);
  const weekday = (((day + 3) % 7) + 7) % 7; // 0 = Monday
  return day - weekday;
}
