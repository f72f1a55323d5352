import { isTimeZone } from '../../src/domain/index.js';
import { invalidOption } from './validate.js';

/**
 * Wall-clock time in a site's zone comes from src/domain/local-time.ts, re-exported here because
 * the models and scenario code have always imported it from this module.
 */
export { localTimeParts, localToEpochMs, type LocalTimeParts } from '../../src/domain/index.js';

/** Throws a VppError naming `field` unless `timezone` is an IANA zone this runtime knows. */
export function checkTimeZone(field: string, timezone: unknown): string {
  if (!isTimeZone(timezone)) throw invalidOption(field, 'must be an IANA time zone', timezone);
  return timezone;
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
