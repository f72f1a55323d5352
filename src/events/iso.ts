import { invalid } from './validate.js';

/**
 * ISO 8601 as OpenADR 3 writes it: durations like `PT2H` (its `duration` pattern) and
 * datetimes with an offset. Years and months have no fixed length, so they are refused rather
 * than guessed; a day is 24 h and a week 7 days (OpenADR intervals are elapsed time).
 */
const DURATION = /^(-?)P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDurationS(field: string, text: unknown): number {
  if (typeof text !== 'string') throw invalid(field, 'must be an ISO 8601 duration such as PT2H', text);
  const m = DURATION.exec(text);
  if (m === null) throw invalid(field, 'must be an ISO 8601 duration such as PT2H', text);
  const [, sign, years, months, days, unit, hours, minutes, seconds] = m;
  if (sign === '-') throw invalid(field, 'must not be negative', text);
  if ((years !== undefined && Number(years) !== 0) || (months !== undefined && Number(months) !== 0)) {
    throw invalid(field, 'must not use years or months (no fixed length)', text);
  }
  const dayS = unit === 'W' ? 7 * 86_400 : 86_400;
  return Number(days ?? 0) * dayS + Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0);
}

/** `PT2H`, `PT1H30M`, `PT0S`: hours, minutes, seconds only, as OpenADR's examples write them. */
export function formatDurationS(durationS: number): string {
  if (durationS === 0) return 'PT0S';
  const h = Math.floor(durationS / 3600);
  const m = Math.floor((durationS - h * 3600) / 60);
  const s = Math.round((durationS - h * 3600 - m * 60) * 1000) / 1000;
  return `PT${h > 0 ? `${h}H` : ''}${m > 0 ? `${m}M` : ''}${s > 0 ? `${s}S` : ''}`;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Epoch ms of an ISO 8601 datetime; one without an offset is ambiguous and refused. */
export function parseDateTimeMs(field: string, text: unknown): number {
  if (typeof text !== 'string' || !DATETIME.test(text)) {
    throw invalid(field, 'must be an ISO 8601 datetime with an offset (Z or +08:00)', text);
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw invalid(field, 'must be a valid datetime', text);
  return ms;
}

/** UTC, without a fraction when the time is on a whole second: `2023-06-15T09:30:00Z`. */
export function formatDateTime(atMs: number): string {
  const iso = new Date(atMs).toISOString();
  return atMs % 1000 === 0 ? `${iso.slice(0, 19)}Z` : iso;
}
