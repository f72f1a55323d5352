import { VppError } from '../domain/index.js';

/** How long each resolution is kept, in days; 0 keeps it forever (InfluxDB's own convention). */
export interface RetentionOptions {
  /** Raw points and setpoints. Default 7. */
  readonly rawDays?: number;
  /** 1-minute rollups. Default 730 (two years). */
  readonly rollup1mDays?: number;
  /** 15-minute rollups (and event performance records). Default 0: forever. */
  readonly rollup15mDays?: number;
  /** How often closed buckets are rolled up and old data pruned. Default 60,000 ms. */
  readonly maintenanceIntervalMs?: number;
}

export interface Retention {
  /** null = forever. */
  readonly rawMs: number | null;
  readonly rollup1mMs: number | null;
  readonly rollup15mMs: number | null;
  readonly intervalMs: number;
  /** Whether rawDays was given (InfluxDB then sets its default retention policy to it). */
  readonly rawExplicit: boolean;
}

export const DEFAULT_RETENTION = { rawDays: 7, rollup1mDays: 730, rollup15mDays: 0, maintenanceIntervalMs: 60_000 } as const;
export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
export const BUCKET_MS = 15 * MINUTE_MS;
// InfluxDB refuses a retention policy shorter than an hour; both stores take the same values.
const MIN_DAYS = 1 / 24;

function days(field: string, value: unknown, fallback: number): number | null {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (v > 0 && v < MIN_DAYS)) {
    throw new VppError(
      'STORE_CONFIG_INVALID',
      `store.retention.${field} must be 0 (keep forever) or a number of days >= 1/24 (one hour), got ${JSON.stringify(v)}`,
    );
  }
  return v === 0 ? null : Math.round(v * DAY_MS);
}

/** Checks and defaults the retention options; errors name the field and the value seen. */
export function retentionOf(o: RetentionOptions = {}): Retention {
  if (typeof o !== 'object' || o === null) {
    throw new VppError('STORE_CONFIG_INVALID', `store.retention must be an object, got ${JSON.stringify(o)}`);
  }
  const intervalMs = o.maintenanceIntervalMs ?? DEFAULT_RETENTION.maintenanceIntervalMs;
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) {
    throw new VppError('STORE_CONFIG_INVALID', `store.retention.maintenanceIntervalMs must be a positive integer, got ${JSON.stringify(intervalMs)}`);
  }
  return {
    rawMs: days('rawDays', o.rawDays, DEFAULT_RETENTION.rawDays),
    rollup1mMs: days('rollup1mDays', o.rollup1mDays, DEFAULT_RETENTION.rollup1mDays),
    rollup15mMs: days('rollup15mDays', o.rollup15mDays, DEFAULT_RETENTION.rollup15mDays),
    intervalMs,
    rawExplicit: o.rawDays !== undefined,
  };
}

/** The resolution 'auto' stands for, given the span asked and where raw data still is. */
export function autoResolution(fromMs: number, toMs: number, rawFromMs: number | null): 'raw' | '1m' | '15m' {
  const span = toMs - fromMs;
  if (span <= DAY_MS && (rawFromMs === null || fromMs >= rawFromMs)) return 'raw';
  return span <= 7 * DAY_MS ? '1m' : '15m';
}

/** The 15-minute bucket a time falls in. */
export function bucketOf(atMs: number): number {
  return Math.floor(atMs / BUCKET_MS) * BUCKET_MS;
}
