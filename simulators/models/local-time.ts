import { invalidOption } from './validate.js';

/** Wall-clock fields of an instant in a site's IANA time zone. */
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
  /** 0 = Sunday … 6 = Saturday, of the local calendar date. */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** Throws a VppError naming `field` unless `timezone` is an IANA zone this runtime knows. */
export function checkTimeZone(field: string, timezone: unknown): string {
  if (typeof timezone !== 'string' || timezone === '') throw invalidOption(field, 'must be an IANA time zone', timezone);
  try {
    formatterFor(timezone);
  } catch {
    throw invalidOption(field, 'must be an IANA time zone', timezone);
  }
  return timezone;
}

export function localTimeParts(atMs: number, timezone: string): LocalTimeParts {
  const fields: Record<string, number> = {};
  for (const p of formatterFor(timezone).formatToParts(new Date(atMs))) {
    if (p.type !== 'literal') fields[p.type] = Number(p.value);
  }
  const year = fields.year ?? NaN;
  const month = fields.month ?? NaN;
  const day = fields.day ?? NaN;
  // The weekday of a calendar date does not depend on the zone, so UTC arithmetic is exact.
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { year, month, day, hour: fields.hour ?? NaN, minute: fields.minute ?? NaN, weekday };
}

/** Parses ISO 8601 that carries an explicit offset (`Z` or `±HH:MM`); anything else is refused. */
export function parseIsoWithOffset(field: string, value: unknown): number {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw invalidOption(field, 'must be ISO 8601 with an offset, e.g. 2025-07-15T10:45:00+08:00', value);
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalidOption(field, 'is not a valid date', value);
  return ms;
}

/**
 * The instant at which the wall clock in `timezone` shows the given local date and time. In a
 * DST gap (a time that does not exist) it gives the instant one offset-change later.
 */
export function localToEpochMs(timezone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const wallMs = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wallMs;
  // Two corrections settle it: the offset at the first guess may differ from the one at the answer.
  for (let i = 0; i < 2; i++) {
    const p = localTimeParts(guess, timezone);
    const shownMs = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    guess += wallMs - shownMs;
  }
  return guess;
}
