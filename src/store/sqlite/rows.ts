import { QUALITIES, VppError } from '../../domain/index.js';
import type { Quality } from '../../domain/index.js';
import type { EventPerformanceRecord, SeriesSample, SetpointRecord } from '../types.js';

/* Rows read back from the SQLite file, checked before they leave the store. */

function corrupt(file: string, field: string, value: unknown): never {
  throw new VppError('STORE_DATA_CORRUPT', `${file}: stored ${field} is invalid, got ${JSON.stringify(value)}`);
}

function num(file: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) corrupt(file, field, v);
  return v;
}

function str(file: string, field: string, v: unknown): string {
  if (typeof v !== 'string') corrupt(file, field, v);
  return v;
}

export function toSample(file: string, row: unknown): SeriesSample {
  const r = row as { at_ms: unknown; value: unknown; quality: unknown };
  if (!(QUALITIES as readonly unknown[]).includes(r.quality)) corrupt(file, 'metric_point.quality', r.quality);
  return { atMs: num(file, 'metric_point.at_ms', r.at_ms), value: num(file, 'metric_point.value', r.value), quality: r.quality as Quality };
}

export function toRollupSample(file: string, row: unknown): SeriesSample {
  const r = row as { at_ms: unknown; mean: unknown; min: unknown; max: unknown; count: unknown };
  return {
    atMs: num(file, 'metric_rollup.at_ms', r.at_ms),
    value: num(file, 'metric_rollup.mean', r.mean),
    quality: 'good',
    min: num(file, 'metric_rollup.min', r.min),
    max: num(file, 'metric_rollup.max', r.max),
    count: num(file, 'metric_rollup.count', r.count),
  };
}

export function toSetpoint(file: string, row: unknown): SetpointRecord {
  const r = row as { site: unknown; asset: unknown; at_ms: unknown; power_kw: unknown; reason: unknown };
  return {
    siteId: str(file, 'setpoint.site', r.site),
    assetId: str(file, 'setpoint.asset', r.asset),
    atMs: num(file, 'setpoint.at_ms', r.at_ms),
    powerKw: num(file, 'setpoint.power_kw', r.power_kw),
    reason: str(file, 'setpoint.reason', r.reason),
  };
}

export function toEvent(file: string, row: unknown): EventPerformanceRecord {
  const r = row as Record<string, unknown>;
  return {
    eventId: str(file, 'event_performance.event', r.event),
    siteId: str(file, 'event_performance.site', r.site),
    startMs: num(file, 'event_performance.start_ms', r.start_ms),
    endMs: num(file, 'event_performance.end_ms', r.end_ms),
    baselineKw: num(file, 'event_performance.baseline_kw', r.baseline_kw),
    deliveredKw: num(file, 'event_performance.delivered_kw', r.delivered_kw),
    deliveredKwh: num(file, 'event_performance.delivered_kwh', r.delivered_kwh),
    compliancePct: num(file, 'event_performance.compliance_pct', r.compliance_pct),
  };
}
