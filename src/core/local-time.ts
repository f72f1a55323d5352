import { VppError, nextLocalMinuteMs } from '../domain/index.js';

/**
 * The first instant after `afterMs` whose wall clock in `timezone` reads `hhmm` ("17:30"):
 * an EV charger's default departure. The zone arithmetic (DST included) is in
 * src/domain/local-time.ts; core only parses the configured "HH:MM".
 */
export function nextLocalTimeMs(afterMs: number, hhmm: string, timezone: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (m === null) throw new VppError('CORE_LOCAL_TIME_INVALID', `departs must be a local time "HH:MM", got ${JSON.stringify(hhmm)}`);
  return nextLocalMinuteMs(afterMs, Number(m[1]) * 60 + Number(m[2]), timezone);
}
