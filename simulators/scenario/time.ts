import { localTimeParts } from '../models/index.js';

/** Times in scenario files: ISO 8601 with offset, daily HH:MM in a site's zone, zones. */

/** Epoch ms of an ISO string the schema already matched, or NaN when the date does not exist. */
export function isoToMs(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return NaN;
  // Date.parse rolls 2025-02-30 over to March: refuse dates that do not exist as written.
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (m === null) return NaN;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const wall = new Date(Date.UTC(y, mo - 1, d, h, mi));
  const ok = wall.getUTCFullYear() === y && wall.getUTCMonth() === mo - 1 && wall.getUTCDate() === d && wall.getUTCHours() === h;
  return ok ? ms : NaN;
}

/** The offset an ISO string was written with, minutes east of UTC (`+08:00` → 480, `Z` → 0). */
export function isoOffsetMin(iso: string): number {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(iso);
  if (m === null) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

export function zoneIsKnown(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The fixed-offset zone for an offset, in a form Intl accepts: `UTC`, `Etc/GMT-8` for +08:00
 * (POSIX sign: Etc/GMT-8 is *east*), or `+05:30` where the runtime takes offset zones (Node 22+).
 * Null when the runtime has none: the file must then name a zone.
 */
export function fixedOffsetZone(offsetMin: number): string | null {
  if (offsetMin === 0) return 'UTC';
  if (offsetMin % 60 === 0 && Math.abs(offsetMin) <= 14 * 60) {
    const zone = `Etc/GMT${offsetMin > 0 ? '-' : '+'}${Math.abs(offsetMin) / 60}`;
    if (zoneIsKnown(zone)) return zone;
  }
  const abs = Math.abs(offsetMin);
  const text = `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return zoneIsKnown(text) ? text : null;
}

/** `"08:30"` → 510; `"24:00"` → 1440. The schema has checked the form. */
export function localTimeToMin(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

const DAY_MS = 86_400_000;

/** The zone's offset at `atMs`, in minutes east of UTC. */
function offsetAtMin(atMs: number, zone: string): number {
  const t = localTimeParts(atMs, zone);
  const wallMs = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
  return Math.round((wallMs - Math.floor(atMs / 60_000) * 60_000) / 60_000);
}

/**
 * Epoch ms of local wall time `minuteOfDay` on the local calendar day `dayUtcMs` (midnight UTC
 * of that date) in `zone`. In a fold (clocks go back) the earlier instant; in a gap (clocks go
 * forward) the time is shifted forward by the gap, as a wall clock would read it: 02:30 → 03:30.
 */
export function localToMs(dayUtcMs: number, minuteOfDay: number, zone: string): number {
  const wallMs = dayUtcMs + minuteOfDay * 60_000;
  const first = wallMs - offsetAtMin(wallMs, zone) * 60_000;
  const second = wallMs - offsetAtMin(first, zone) * 60_000;
  const third = wallMs - offsetAtMin(wallMs - 86_400_000, zone) * 60_000;
  const exact = [first, second, third].filter((c) => c + offsetAtMin(c, zone) * 60_000 === wallMs);
  return exact.length > 0 ? Math.min(...exact) : Math.max(first, second);
}

/** Midnight UTC of the local calendar date that holds `atMs` in `zone`. */
export function localDayUtcMs(atMs: number, zone: string): number {
  const t = localTimeParts(atMs, zone);
  return Date.UTC(t.year, t.month - 1, t.day);
}

export { DAY_MS };
