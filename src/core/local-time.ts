import { VppError } from '../domain/index.js';

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function wallSeconds(atMs: number, timezone: string): number {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timezone, f);
  }
  let h = 0;
  let m = 0;
  let s = 0;
  for (const p of f.formatToParts(new Date(atMs))) {
    if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') m = Number(p.value);
    else if (p.type === 'second') s = Number(p.value);
  }
  return h * 3600 + m * 60 + s;
}

/**
 * The first instant after `afterMs` whose wall clock in `timezone` reads `hhmm` ("17:30"):
 * an EV charger's default departure. Intl applies the zone's DST rules; one correction pass
 * moves a guess made across a DST change onto the wall-clock time.
 */
export function nextLocalTimeMs(afterMs: number, hhmm: string, timezone: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (m === null) throw new VppError('CORE_LOCAL_TIME_INVALID', `departs must be a local time "HH:MM", got ${JSON.stringify(hhmm)}`);
  const targetS = Number(m[1]) * 3600 + Number(m[2]) * 60;
  const base = Math.floor(afterMs / 1000) * 1000;
  let guess = base + (targetS - wallSeconds(base, timezone)) * 1000;
  if (guess <= afterMs) guess += DAY_MS;
  const driftS = targetS - wallSeconds(guess, timezone);
  // A DST change between now and then shifts the wall clock by its size (< 12 h).
  if (driftS !== 0 && Math.abs(driftS) < 43_200) guess += driftS * 1000;
  return guess <= afterMs ? guess + DAY_MS : guess;
}
