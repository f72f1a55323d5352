import { VppError } from './errors.js';

/**
 * Wall-clock time in a site's IANA zone (tariffs, calendars, departures are all local). Intl
 * applies the zone's rules, DST included; a day is found by its wall-clock date, never by adding
 * 24 h. Pure: Intl and Date arithmetic only.
 */
export const LOCAL_TIME_INVALID = 'LOCAL_TIME_INVALID';

/** Wall-clock fields of an instant in an IANA zone. */
export interface LocalTimeParts {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  /** 1..31 */
  readonly day: number;
  /** 0..23 */
  readonly hour: number;
  /** 0..59 */
  readonly minute: number;
  /** 0..59 */
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday, of the local calendar date. */
  readonly weekday: number;
}

const DAY_MS = 86_400_000;
// Building a DateTimeFormat costs far more than using one; replay asks millions of times.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone, hourCycle: 'h23',
        year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw new VppError(LOCAL_TIME_INVALID, `timezone must be an IANA time zone, got ${JSON.stringify(timezone)}`);
    }
    formatters.set(timezone, f);
  }
  return f;
}

/** True when `timezone` is an IANA zone this runtime knows; callers throw their own error. */
export function isTimeZone(timezone: unknown): timezone is string {
  if (typeof timezone !== 'string' || timezone === '') return false;
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields at `atMs` in `timezone`; throws a VppError (LOCAL_TIME_INVALID) for an unknown zone. */
export function localTimeParts(atMs: number, timezone: string): LocalTimeParts {
  const f: Record<string, number> = {};
  for (const p of formatter(timezone).formatToParts(new Date(atMs))) {
    if (p.type !== 'literal') f[p.type] = Number(p.value);
  }
  const year = f.year ?? NaN;
  const month = f.month ?? NaN;
  const day = f.day ?? NaN;
  // The weekday of a calendar date does not depend on the zone, so UTC arithmetic is exact.
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { year, month, day, hour: f.hour ?? NaN, minute: f.minute ?? NaN, second: f.second ?? NaN, weekday };
}

/** Minutes after local midnight at `atMs` in `timezone`. */
export function localMinuteOfDay(atMs: number, timezone: string): number {
  const p = localTimeParts(atMs, timezone);
  return p.hour * 60 + p.minute;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The local date `YYYY-MM-DD` at `atMs` in `timezone`. */
export function localDate(atMs: number, timezone: string): string {
  const p = localTimeParts(atMs, timezone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** Days since 1970-01-01 of the local calendar date at `atMs` in `timezone`. */
export function localDayNumber(atMs: number, timezone: string): number {
  const p = localTimeParts(atMs, timezone);
  return Math.round(Date.UTC(p.year, p.month - 1, p.day) / DAY_MS);
}

/** The local ISO week (Monday first) as the day number of its Monday. 1970-01-01 was a Thursday. */
export function localWeekNumber(atMs: number, timezone: string): number {
  const day = localDayNumber(atMs, timezone);
  const weekday = (((day + 3) % 7) + 7) % 7; // 0 = Monday
  return day - weekday;
}

/** UTC offset of the zone at `atMs`, ms (Berlin in summer: +7 200 000). */
export function utcOffsetMs(atMs: number, timezone: string): number {
  const p = localTimeParts(atMs, timezone);
  const wholeSecondMs = atMs - (((atMs % 1000) + 1000) % 1000);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - wholeSecondMs;
}

/**
 * The instant at which the wall clock in `timezone` shows the given local date and time (fields
 * may overflow as in Date.UTC: minute 1440 is the next midnight). Two corrections settle it: the
 * offset at the first guess may differ from the one at the answer. A wall time a DST gap skips
 * comes out one offset change later in zones east of UTC (02:30 → 03:30 in Berlin); one the
 * autumn fall-back repeats comes out as its second (standard-time) occurrence.
 */
export function localToEpochMs(timezone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const wallMs = Date.UTC(year, month - 1, day, hour, minute);
  const first = wallMs - utcOffsetMs(wallMs, timezone);
  return wallMs - utcOffsetMs(first, timezone);
}

/**
 * The first instant after `afterMs` whose wall clock in `timezone` reads `minuteOfDay` (0..1439),
 * e.g. an EV charger's default departure. One correction pass moves a guess made across a DST
 * change onto the wall-clock time.
 */
export function nextLocalMinuteMs(afterMs: number, minuteOfDay: number, timezone: string): number {
  const wallS = (atMs: number): number => {
    const p = localTimeParts(atMs, timezone);
    return p.hour * 3600 + p.minute * 60 + p.second;
  };
  const targetS = minuteOfDay * 60;
  const base = Math.floor(afterMs / 1000) * 1000;
  let guess = base + (targetS - wallS(base)) * 1000;
  if (guess <= afterMs) guess += DAY_MS;
  const driftS = targetS - wallS(guess);
  // A DST change between now and then shifts the wall clock by its size (< 12 h).
  if (driftS !== 0 && Math.abs(driftS) < 43_200) guess += driftS * 1000;
  return guess <= afterMs ? guess + DAY_MS : guess;
}
