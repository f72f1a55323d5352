import { isTimeZone } from '../domain/index.js';
import { invalid } from './validate.js';

/**
 * Which local day and ISO week an instant falls in, in an IANA zone: enrolment limits count
 * events per local day and week of the site. The arithmetic lives in src/domain/local-time.ts;
 * events re-exports it, as it has always offered it.
 */
export { localDayNumber, localWeekNumber } from '../domain/index.js';

/** Throws naming `field` unless Intl knows the zone. */
export function checkTimezone(field: string, timezone: unknown): string {
  if (!isTimeZone(timezone)) throw invalid(field, 'must be an IANA time zone', timezone);
  return timezone;
}
