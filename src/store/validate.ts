import { QUALITIES, VppError } from '../domain/index.js';
import { RESOLUTIONS } from './types.js';
import type { EventPerformanceQuery, EventPerformanceRecord, MetricPoint, SeriesQuery, SetpointQuery, SetpointRecord } from './types.js';

/*
 * Validation at the store's edge. A call is checked whole before anything is queued, so one
 * bad point rejects the call and leaves the queue (and what is already stored) untouched.
 */

// Control characters and backslashes cannot travel in InfluxDB line protocol tags: a
// backslash before the closing comma or space swallows it, and nothing escapes a backslash.
// No real id needs them; both stores refuse them, so both accept the same ids.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_ID = /[\u0000-\u001f\u007f\\]/;

function fail(code: string, where: string, field: string, problem: string, value: unknown): never {
  throw new VppError(code, `${where}.${field} ${problem}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function checkId(code: string, where: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    fail(code, where, field, 'must be a non-empty string', value);
  }
  if (FORBIDDEN_IN_ID.test(value)) fail(code, where, field, 'must not contain control characters or backslashes', value);
}

function checkAtMs(code: string, where: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail(code, where, field, 'must be an integer of epoch milliseconds', value);
  }
}

function checkFinite(code: string, where: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(code, where, field, 'must be a finite number', value);
  }
}

const POINT_INVALID = 'STORE_POINT_INVALID';

/** Throws VppError('STORE_POINT_INVALID') naming the index and field of the first bad point. */
export function validateMetricPoints(points: readonly MetricPoint[]): void {
  if (!Array.isArray(points)) fail(POINT_INVALID, 'writeMetrics', 'points', 'must be an array', points);
  points.forEach((p: unknown, i) => {
    const where = `points[${i}]`;
    if (typeof p !== 'object' || p === null) fail(POINT_INVALID, 'writeMetrics', `points[${i}]`, 'must be an object', p);
    const point = p as Record<string, unknown>;
    checkId(POINT_INVALID, where, 'siteId', point.siteId);
    if (point.assetId !== undefined) checkId(POINT_INVALID, where, 'assetId', point.assetId);
    checkId(POINT_INVALID, where, 'metric', point.metric);
    checkAtMs(POINT_INVALID, where, 'atMs', point.atMs);
    checkFinite(POINT_INVALID, where, 'value', point.value);
    if (!(QUALITIES as readonly unknown[]).includes(point.quality)) {
      fail(POINT_INVALID, where, 'quality', `must be one of ${QUALITIES.join('|')}`, point.quality);
    }
  });
}

/** Throws VppError('STORE_POINT_INVALID') naming the index and field of the first bad record. */
export function validateSetpointRecords(records: readonly SetpointRecord[]): void {
  if (!Array.isArray(records)) fail(POINT_INVALID, 'writeSetpoints', 'records', 'must be an array', records);
  records.forEach((r: unknown, i) => {
    const where = `records[${i}]`;
    if (typeof r !== 'object' || r === null) fail(POINT_INVALID, 'writeSetpoints', where, 'must be an object', r);
    const rec = r as Record<string, unknown>;
    checkId(POINT_INVALID, where, 'siteId', rec.siteId);
    checkId(POINT_INVALID, where, 'assetId', rec.assetId);
    checkAtMs(POINT_INVALID, where, 'atMs', rec.atMs);
    checkFinite(POINT_INVALID, where, 'powerKw', rec.powerKw);
    // Every setpoint says why it was given (domain/setpoint.ts).
    if (typeof rec.reason !== 'string' || rec.reason.length === 0) {
      fail(POINT_INVALID, where, 'reason', 'must be a non-empty string', rec.reason);
    }
  });
}

/** Throws VppError('STORE_POINT_INVALID') naming the index and field of the first bad record. */
export function validateEventRecords(records: readonly EventPerformanceRecord[]): void {
  if (!Array.isArray(records)) fail(POINT_INVALID, 'writeEventPerformance', 'records', 'must be an array', records);
  records.forEach((r: unknown, i) => {
    const where = `records[${i}]`;
    if (typeof r !== 'object' || r === null) fail(POINT_INVALID, 'writeEventPerformance', where, 'must be an object', r);
    const rec = r as Record<string, unknown>;
    checkId(POINT_INVALID, where, 'eventId', rec.eventId);
    checkId(POINT_INVALID, where, 'siteId', rec.siteId);
    checkAtMs(POINT_INVALID, where, 'startMs', rec.startMs);
    checkAtMs(POINT_INVALID, where, 'endMs', rec.endMs);
    if ((rec.endMs as number) <= (rec.startMs as number)) fail(POINT_INVALID, where, 'endMs', `must be after startMs ${String(rec.startMs)}`, rec.endMs);
    for (const f of ['baselineKw', 'deliveredKw', 'deliveredKwh', 'compliancePct']) checkFinite(POINT_INVALID, where, f, rec[f]);
    const pct = rec.compliancePct as number;
    if (pct < 0 || pct > 100) fail(POINT_INVALID, where, 'compliancePct', 'must be within 0..100', pct);
  });
}

const QUERY_INVALID = 'STORE_QUERY_INVALID';

function validateRange(where: string, q: Record<string, unknown>): void {
  checkAtMs(QUERY_INVALID, where, 'fromMs', q.fromMs);
  checkAtMs(QUERY_INVALID, where, 'toMs', q.toMs);
  if (q.limit !== undefined && (typeof q.limit !== 'number' || !Number.isSafeInteger(q.limit) || q.limit < 1)) {
    fail(QUERY_INVALID, where, 'limit', 'must be a positive integer', q.limit);
  }
}

export function validateSeriesQuery(q: SeriesQuery): void {
  const raw = q as unknown as Record<string, unknown>;
  checkId(QUERY_INVALID, 'queryMetric', 'siteId', raw.siteId);
  if (raw.assetId !== undefined) checkId(QUERY_INVALID, 'queryMetric', 'assetId', raw.assetId);
  checkId(QUERY_INVALID, 'queryMetric', 'metric', raw.metric);
  validateRange('queryMetric', raw);
  if (raw.resolution !== undefined && !(RESOLUTIONS as readonly unknown[]).includes(raw.resolution)) {
    fail(QUERY_INVALID, 'queryMetric', 'resolution', `must be one of ${RESOLUTIONS.join('|')}`, raw.resolution);
  }
}

export function validateEventQuery(q: EventPerformanceQuery): void {
  const raw = q as unknown as Record<string, unknown>;
  checkId(QUERY_INVALID, 'queryEventPerformance', 'siteId', raw.siteId);
  validateRange('queryEventPerformance', raw);
}

export function validateSetpointQuery(q: SetpointQuery): void {
  const raw = q as unknown as Record<string, unknown>;
  checkId(QUERY_INVALID, 'querySetpoints', 'siteId', raw.siteId);
  if (raw.assetId !== undefined) checkId(QUERY_INVALID, 'querySetpoints', 'assetId', raw.assetId);
  validateRange('querySetpoints', raw);
}
