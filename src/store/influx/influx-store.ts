import { InfluxDB } from 'influx';
import { VppError } from '../../domain/index.js';
import type {
  SeriesQuery,
  SeriesSample,
  SetpointQuery,
  SetpointRecord,
  TimeSeriesStore,
} from '../types.js';
import { validateSeriesQuery, validateSetpointQuery } from '../validate.js';
import { QueuedStore } from '../queued-store.js';
import type { WriteBatch, WriteQueueOptions } from '../write-queue.js';
import { decodeAsset, encodeAsset, finiteOf, qualityOf, rowsOf, stringOf, timeOf } from './encoding.js';
import { endpointOf } from './endpoint.js';
import type { Endpoint, EndpointOptions } from './endpoint.js';
import { METRIC_MEASUREMENT as METRIC, SETPOINT_MEASUREMENT as SETPOINT, toLineProtocol } from './line-protocol.js';

export interface InfluxStoreOptions extends WriteQueueOptions, EndpointOptions {
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

  private constructor(
    private readonly influx: InfluxDB,
    endpoint: Endpoint,
    readonly database: string,
    options: WriteQueueOptions,
  ) {
    super(options);
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
    return new InfluxStore(influx, endpoint, database, options);
  }

  async queryMetric(q: SeriesQuery): Promise<SeriesSample[]> {
    this.assertOpen();
    validateSeriesQuery(q);
    const what = `queryMetric(${q.siteId}/${q.assetId ?? ''}/${q.metric})`;
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

  async close(): Promise<void> {
    await this.closeQueue();
  }

  protected label(): string {
    return `InfluxDB store ${this.database}`;
  }

  protected async writeBatch(batch: WriteBatch): Promise<void> {
    const count = batch.metrics.length + batch.setpoints.length;
    if (count === 0) return;
    let status: number;
    let detail = '';
    try {
      const res = await fetch(this.writeUrl, {
        method: 'POST',
        body: toLineProtocol(batch),
        signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
      });
      status = res.status;
      if (status !== 204) detail = (await res.text()).slice(0, 500);
    } catch (err) {
      throw new VppError('STORE_WRITE_FAILED', `InfluxDB write of ${count} points to ${this.database} failed: ${errText(err)}`, { cause: err });
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
