import { InfluxDB } from 'influx';
import { VppError } from '../../domain/index.js';
import type {
  EventPerformanceQuery,
  EventPerformanceRecord,
  MaintenanceResult,
  SeriesQuery,
  SeriesSample,
  SetpointQuery,
  SetpointRecord,
  TimeSeriesStore,
} from '../types.js';
import { validateEventQuery, validateSeriesQuery, validateSetpointQuery } from '../validate.js';
import { QueuedStore, type StoreOptions } from '../queued-store.js';
import { autoResolution } from '../retention.js';
import type { WriteBatch } from '../write-queue.js';
import { decodeAsset, encodeAsset, finiteOf, qualityOf, rowsOf, stringOf, timeOf } from './encoding.js';
import { endpointOf } from './endpoint.js';
import type { Endpoint, EndpointOptions } from './endpoint.js';
import { EVENT_MEASUREMENT, METRIC_MEASUREMENT as METRIC, SETPOINT_MEASUREMENT as SETPOINT, toEventLines, toLineProtocol } from './line-protocol.js';
import { InfluxRollups, ROLLUP_15M, ROLLUP_1M, RP_15M, RP_1M } from './rollups.js';

/** Spooling needs `spool.dir` here (no data dir to default to); without it the queue is memory only. */
export interface InfluxStoreOptions extends StoreOptions, EndpointOptions {
  /** Created when missing. */
  readonly database: string;
}

const WRITE_TIMEOUT_MS = 30_000;

/**
 * InfluxDB 1.x: measurement `metric` (tags site, asset, metric; fields value, quality) and
 * `setpoint` (tags site, asset; fields power_kw, reason), millisecond timestamps. A point
 * written again with the same tags and time replaces the first (InfluxDB's rule; SQLite
 * follows it). The `influx` client creates the database and runs queries (bound parameters);
 * batches are POSTed as line protocol built in line-protocol.ts.
 */
export class InfluxStore extends QueuedStore implements TimeSeriesStore {
  readonly kind = 'influx' as const;
  private readonly writeUrl: string;
  private readonly rollups: InfluxRollups;

  private constructor(
    private readonly influx: InfluxDB,
    endpoint: Endpoint,
    readonly database: string,
    options: InfluxStoreOptions,
  ) {
    super(options, null);
    this.rollups = new InfluxRollups(endpoint, database, this.retention);
    const url = new URL(`${endpoint.protocol}://${endpoint.host}:${endpoint.port}/write`);
    url.searchParams.set('db', database);
    url.searchParams.set('precision', 'ms');
    if (endpoint.username !== undefined) url.searchParams.set('u', endpoint.username);
    if (endpoint.password !== undefined) url.searchParams.set('p', endpoint.password);
    this.writeUrl = url.toString();
  }

  static async open(options: InfluxStoreOptions): Promise<InfluxStore> {
    const database = options.database;
    if (typeof database !== 'string' || database.length === 0) {
      throw new VppError('STORE_CONFIG_INVALID', `influx store: database must be a non-empty string, got ${JSON.stringify(database)}`);
    }
    const endpoint = endpointOf(options);
    const influx = new InfluxDB({ ...endpoint, database });
    try {
      // CREATE DATABASE is idempotent in 1.x: no need to list the databases first.
      await influx.createDatabase(database);
    } catch (err) {
      throw new VppError('STORE_OPEN_FAILED', `cannot open InfluxDB database ${database}: ${errText(err)}`, { cause: err });
    }
    const store = new InfluxStore(influx, endpoint, database, options);
    try {
      await store.rollups.setUp();
    } catch (err) {
      await store.close().catch(() => undefined);
      throw new VppError('STORE_OPEN_FAILED', `cannot set up retention of InfluxDB database ${database}: ${errText(err)}`, { cause: err });
    }
    return store;
  }

  async queryMetric(q: SeriesQuery): Promise<SeriesSample[]> {
    this.assertOpen();
    validateSeriesQuery(q);
    const what = `queryMetric(${q.siteId}/${q.assetId ?? ''}/${q.metric})`;
    const resolution = q.resolution === 'auto' ? autoResolution(q.fromMs, q.toMs, this.rollups.rawFromMs()) : (q.resolution ?? 'raw');
    if (resolution !== 'raw') return this.queryRollup(q, resolution, what);
    // Ids travel as bound parameters, never spliced into the text; times and limit are
    // validated integers, so writing them inline cannot change the statement.
    const sql =
      `SELECT "value", "quality" FROM "${METRIC}" WHERE "site" = $site AND "asset" = $asset AND "metric" = $metric` +
      ` AND ${timeRange(q.fromMs, q.toMs)} ORDER BY time ASC${limitOf(q.limit)}`;
    const raw = await this.query(sql, { site: q.siteId, asset: encodeAsset(q.assetId), metric: q.metric }, what);
    return rowsOf(raw, what).map((row) => ({
      atMs: timeOf(row, what),
      value: finiteOf(row, 'value', what),
      quality: qualityOf(row, what),
    }));
  }

  async querySetpoints(q: SetpointQuery): Promise<SetpointRecord[]> {
    this.assertOpen();
    validateSetpointQuery(q);
    const what = `querySetpoints(${q.siteId}/${q.assetId ?? '*'})`;
    const placeholders: Record<string, string> = { site: q.siteId };
    let where = '"site" = $site';
    if (q.assetId !== undefined) {
      where += ' AND "asset" = $asset';
      placeholders.asset = encodeAsset(q.assetId);
    }
    const sql =
      `SELECT "power_kw", "reason", "asset" FROM "${SETPOINT}" WHERE ${where}` +
      ` AND ${timeRange(q.fromMs, q.toMs)} ORDER BY time ASC${limitOf(q.limit)}`;
    const raw = await this.query(sql, placeholders, what);
    return rowsOf(raw, what).map((row) => ({
      siteId: q.siteId,
      assetId: decodeAsset(stringOf(row, 'asset', what)) ?? '',
      atMs: timeOf(row, what),
      powerKw: finiteOf(row, 'power_kw', what),
      reason: stringOf(row, 'reason', what),
    }));
  }

  async queryEventPerformance(q: EventPerformanceQuery): Promise<EventPerformanceRecord[]> {
    this.assertOpen();
    validateEventQuery(q);
    const what = `queryEventPerformance(${q.siteId})`;
    const sql =
      `SELECT "event", "end_ms", "baseline_kw", "delivered_kw", "delivered_kwh", "compliance_pct" FROM "${RP_15M}"."${EVENT_MEASUREMENT}"` +
      ` WHERE "site" = $site AND ${timeRange(q.fromMs, q.toMs)} ORDER BY time ASC`;
    const raw = await this.query(sql, { site: q.siteId }, what);
    return rowsOf(raw, what).map((row) => ({
      eventId: stringOf(row, 'event', what),
      siteId: q.siteId,
      startMs: timeOf(row, what),
      endMs: finiteOf(row, 'end_ms', what),
      baselineKw: finiteOf(row, 'baseline_kw', what),
      deliveredKw: finiteOf(row, 'delivered_kw', what),
      deliveredKwh: finiteOf(row, 'delivered_kwh', what),
      compliancePct: finiteOf(row, 'compliance_pct', what),
    }));
  }

  async close(): Promise<void> {
    await this.closeQueue();
  }

  protected async runMaintenance(untilMs?: number): Promise<MaintenanceResult> {
    if (this.closed) return { bucketsRolledUp: 0, rawPointsPruned: 0 };
    return this.rollups.run(untilMs);
  }

  private async queryRollup(q: SeriesQuery, resolution: '1m' | '15m', what: string): Promise<SeriesSample[]> {
    const from = resolution === '1m' ? `"${RP_1M}"."${ROLLUP_1M}"` : `"${RP_15M}"."${ROLLUP_15M}"`;
    const sql =
      `SELECT "mean", "min", "max", "count" FROM ${from} WHERE "site" = $site AND "asset" = $asset AND "metric" = $metric` +
      ` AND ${timeRange(q.fromMs, q.toMs)} ORDER BY time ASC${limitOf(q.limit)}`;
    const raw = await this.query(sql, { site: q.siteId, asset: encodeAsset(q.assetId), metric: q.metric }, what);
    return rowsOf(raw, what).map((row) => ({
      atMs: timeOf(row, what),
      value: finiteOf(row, 'mean', what),
      quality: 'good' as const,
      min: finiteOf(row, 'min', what),
      max: finiteOf(row, 'max', what),
      count: finiteOf(row, 'count', what),
    }));
  }

  protected label(): string {
    return `InfluxDB store ${this.database}`;
  }

  protected async writeBatch(batch: WriteBatch): Promise<void> {
    const count = batch.metrics.length + batch.setpoints.length;
    if (count > 0) await this.post(this.writeUrl, toLineProtocol(batch), count);
    this.rollups.markWritten(batch.metrics);
    const events = batch.events ?? [];
    // Event records live as long as the 15-minute rollups: same retention policy.
    if (events.length > 0) await this.post(`${this.writeUrl}&rp=${RP_15M}`, toEventLines(events), events.length);
  }

  /**
   * One line-protocol POST. A 400 'partial write' whose points were past the retention policy
   * is not retried (it would fail the same way forever): the points are counted as dropped by
   * InfluxDB and reported loudly. Anything else that is not 204 throws, to be retried.
   */
  private async post(url: string, body: string, count: number): Promise<void> {
    let status: number;
    let detail = '';
    try {
      const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(WRITE_TIMEOUT_MS) });
      status = res.status;
      if (status !== 204) detail = (await res.text()).slice(0, 500);
    } catch (err) {
      throw new VppError('STORE_WRITE_FAILED', `InfluxDB write of ${count} points to ${this.database} failed: ${errText(err)}`, { cause: err });
    }
    if (status === 400 && /partial write.*beyond retention policy/.test(detail)) {
      const dropped = Number(/dropped=(\d+)/.exec(detail)?.[1] ?? count);
      this.droppedByBackend += dropped;
      this.reportError(new VppError('STORE_POINTS_DROPPED', `InfluxDB ${this.database} dropped ${dropped} of ${count} points older than its retention policy: ${detail}`));
      return;
    }
    if (status !== 204) {
      throw new VppError('STORE_WRITE_FAILED', `InfluxDB write of ${count} points to ${this.database} answered ${status}: ${detail}`);
    }
  }

  private async query(sql: string, placeholders: Record<string, string>, what: string): Promise<unknown> {
    try {
      return await this.influx.queryRaw(sql, { precision: 'ms', placeholders });
    } catch (err) {
      throw new VppError('STORE_QUERY_FAILED', `InfluxDB ${what} failed: ${errText(err)}`, { cause: err });
    }
  }
}

function timeRange(fromMs: number, toMs: number): string {
  return `time >= ${fromMs}ms AND time < ${toMs}ms`;
}

function limitOf(limit: number | undefined): string {
  return limit === undefined ? '' : ` LIMIT ${limit}`;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
