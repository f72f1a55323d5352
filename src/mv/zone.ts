import { invalidInput } from './validate.js';

/**
 * Local calendar arithmetic in an IANA zone, the approach of src/schedule/tariff.ts: Intl applies
 * the zone's DST rules, so a day is found by its wall-clock date, never by adding 24 h.
 */
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
      throw invalidInput('timezone', 'must be an IANA time zone', timezone);
    }
    formatters.set(timezone, f);
  }
  return f;
}

/** Throws a VppError naming `timezone` unless Intl knows the zone. */
export function checkTimezone(timezone: unknown): string {
  if (typeof timezone !== 'string' || timezone === '') throw invalidInput('timezone', 'must be an IANA time zone', timezone);
  formatter(timezone);
  return timezone;
}

interface WallClock { year: number; month: number; day: number; hour: number; minute: number; second: number }

function wallClock(atMs: number, timezone: string): WallClock {
  const w: WallClock = { year: NaN, month: NaN, day: NaN, hour: NaN, minute: NaN, second: NaN };
  for (const p of formatter(timezone).formatToParts(new Date(atMs))) {
    if (p.type in w) w[p.type as keyof WallClock] = Number(p.value);
  }
  return w;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The local date `YYYY-MM-DD` at `atMs` in `timezone`. */
export function localDate(atMs: number, timezone: string): string {
  const w = wallClock(atMs, timezone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** Minutes after local midnight at `atMs` in `timezone`. */
export function localMinuteOfDay(atMs: number, timezone: string): number {
  const w = wallClock(atMs, timezone);
  return w.hour * 60 + w.minute;
}

/** UTC offset of the zone at `atMs`, ms (Berlin in summer: +7 200 000). */
function offsetMs(atMs: number, timezone: string): number {
  const w = wallClock(atMs, timezone);
  const wholeSecondMs = atMs - (((atMs % 1000) + 1000) % 1000);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - wholeSecondMs;
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
  const wall = dateUtcMs(date) + minuteOfDay * 60_000;
  const first = wall - offsetMs(wall, timezone);
  return wall - offsetMs(first, timezone);
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
