import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { QUALITIES, VppError } from '../../domain/index.js';
import type { Quality } from '../../domain/index.js';
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
import { migrate } from './schema.js';

export interface SqliteStoreOptions extends WriteQueueOptions {
  /** Directory of the database file (created with its parents). Default `./data`. */
  readonly dataDir?: string;
  /** File name inside dataDir. Default `vpp.sqlite`. */
  readonly fileName?: string;
}

export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_SQLITE_FILE = 'vpp.sqlite';

// SQLite has no NULL-safe '=' that uses the index well, so site level is stored as ''.
const SITE_LEVEL = '';
const NO_LIMIT = -1;

/**
 * The embedded store: one SQLite file in WAL mode. synchronous=NORMAL keeps every committed
 * batch across a process crash (only an OS crash or power loss can lose the last commits),
 * at a fraction of the fsyncs FULL costs.
 */
export class SqliteStore extends QueuedStore implements TimeSeriesStore {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly insertMetric: Database.Statement;
  private readonly insertSetpoint: Database.Statement;
  private readonly selectMetric: Database.Statement;
  private readonly selectSetpointsOfSite: Database.Statement;
  private readonly selectSetpointsOfAsset: Database.Statement;
  private readonly writeInTransaction: (batch: WriteBatch) => void;

  constructor(options: SqliteStoreOptions = {}) {
    super(options);
    const dir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
    this.file = join(dir, options.fileName ?? DEFAULT_SQLITE_FILE);
    this.db = openFile(dir, this.file);
    this.insertMetric = this.db.prepare(
      'INSERT OR REPLACE INTO metric_point (site, asset, metric, at_ms, value, quality) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertSetpoint = this.db.prepare(
      'INSERT OR REPLACE INTO setpoint (site, asset, at_ms, power_kw, reason) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectMetric = this.db.prepare(
      `SELECT at_ms, value, quality FROM metric_point
       WHERE site = ? AND asset = ? AND metric = ? AND at_ms >= ? AND at_ms < ?
       ORDER BY at_ms LIMIT ?`,
    );
    this.selectSetpointsOfSite = this.db.prepare(
      `SELECT site, asset, at_ms, power_kw, reason FROM setpoint
       WHERE site = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, asset LIMIT ?`,
    );
    this.selectSetpointsOfAsset = this.db.prepare(
      `SELECT site, asset, at_ms, power_kw, reason FROM setpoint
       WHERE site = ? AND asset = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms LIMIT ?`,
    );
    this.writeInTransaction = this.db.transaction((batch: WriteBatch) => {
      for (const p of batch.metrics) {
        this.insertMetric.run(p.siteId, p.assetId ?? SITE_LEVEL, p.metric, p.atMs, p.value, p.quality);
      }
      for (const r of batch.setpoints) {
        this.insertSetpoint.run(r.siteId, r.assetId, r.atMs, r.powerKw, r.reason);
      }
    });
  }

  async queryMetric(q: SeriesQuery): Promise<SeriesSample[]> {
    this.assertOpen();
    validateSeriesQuery(q);
    const rows = this.selectMetric.all(
      q.siteId,
      q.assetId ?? SITE_LEVEL,
      q.metric,
      q.fromMs,
      q.toMs,
      q.limit ?? NO_LIMIT,
    ) as unknown[];
    return rows.map((row) => toSample(this.file, row));
  }

  async querySetpoints(q: SetpointQuery): Promise<SetpointRecord[]> {
    this.assertOpen();
    validateSetpointQuery(q);
    const limit = q.limit ?? NO_LIMIT;
    const rows = (
      q.assetId === undefined
        ? this.selectSetpointsOfSite.all(q.siteId, q.fromMs, q.toMs, limit)
        : this.selectSetpointsOfAsset.all(q.siteId, q.assetId, q.fromMs, q.toMs, limit)
    ) as unknown[];
    return rows.map((row) => toSetpoint(this.file, row));
  }

  async close(): Promise<void> {
    // Even when the last flush failed, release the file; the error still reaches the caller.
    await this.closeQueue(() => this.db.close());
  }

  protected async writeBatch(batch: WriteBatch): Promise<void> {
    this.writeInTransaction(batch);
  }

  protected label(): string {
    return `SQLite store ${this.file}`;
  }
}

function openFile(dir: string, file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, file);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof VppError) throw err;
    throw new VppError('STORE_OPEN_FAILED', `cannot open SQLite store ${file}: ${String(err)}`, { cause: err });
  }
}

function corrupt(file: string, field: string, value: unknown): never {
  throw new VppError('STORE_DATA_CORRUPT', `${file}: stored ${field} is invalid, got ${JSON.stringify(value)}`);
}

function toSample(file: string, row: unknown): SeriesSample {
  const r = row as { at_ms: unknown; value: unknown; quality: unknown };
  if (typeof r.at_ms !== 'number') corrupt(file, 'metric_point.at_ms', r.at_ms);
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) corrupt(file, 'metric_point.value', r.value);
  if (!(QUALITIES as readonly unknown[]).includes(r.quality)) corrupt(file, 'metric_point.quality', r.quality);
  return { atMs: r.at_ms, value: r.value, quality: r.quality as Quality };
}

function toSetpoint(file: string, row: unknown): SetpointRecord {
  const r = row as { site: unknown; asset: unknown; at_ms: unknown; power_kw: unknown; reason: unknown };
  if (typeof r.site !== 'string') corrupt(file, 'setpoint.site', r.site);
  if (typeof r.asset !== 'string') corrupt(file, 'setpoint.asset', r.asset);
  if (typeof r.at_ms !== 'number') corrupt(file, 'setpoint.at_ms', r.at_ms);
  if (typeof r.power_kw !== 'number' || !Number.isFinite(r.power_kw)) corrupt(file, 'setpoint.power_kw', r.power_kw);
  if (typeof r.reason !== 'string') corrupt(file, 'setpoint.reason', r.reason);
  return { siteId: r.site, assetId: r.asset, atMs: r.at_ms, powerKw: r.power_kw, reason: r.reason };
}
