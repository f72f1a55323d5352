import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
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
import { QueuedStore, spoolDirOf, type StoreOptions } from '../queued-store.js';
import { autoResolution } from '../retention.js';
import type { WriteBatch } from '../write-queue.js';
import { SqliteRollups } from './rollups.js';
import { toEvent, toRollupSample, toSample, toSetpoint } from './rows.js';
import { migrate } from './schema.js';

export interface SqliteStoreOptions extends StoreOptions {
  /** Directory of the database file (created with its parents). Default `./data`. Spool: `<dataDir>/spool`. */
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
 * at a fraction of the fsyncs FULL costs. Rollups and retention: rollups.ts.
 */
export class SqliteStore extends QueuedStore implements TimeSeriesStore {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly rollups: SqliteRollups;
  private readonly insertMetric: Database.Statement;
  private readonly insertSetpoint: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly selectMetric: Database.Statement;
  private readonly selectRollup: Database.Statement;
  private readonly selectSetpointsOfSite: Database.Statement;
  private readonly selectSetpointsOfAsset: Database.Statement;
  private readonly selectEvents: Database.Statement;
  private readonly writeInTransaction: (batch: WriteBatch) => void;

  constructor(options: SqliteStoreOptions = {}) {
    super(options, spoolDirOf(resolve(options.dataDir ?? DEFAULT_DATA_DIR)));
    const dir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
    this.file = join(dir, options.fileName ?? DEFAULT_SQLITE_FILE);
    this.db = openFile(dir, this.file);
    this.rollups = new SqliteRollups(this.db, this.retention);
    this.insertMetric = this.db.prepare(
      'INSERT OR REPLACE INTO metric_point (site, asset, metric, at_ms, value, quality) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertSetpoint = this.db.prepare(
      'INSERT OR REPLACE INTO setpoint (site, asset, at_ms, power_kw, reason) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertEvent = this.db.prepare(
      `INSERT OR REPLACE INTO event_performance (site, event, start_ms, end_ms, baseline_kw, delivered_kw, delivered_kwh, compliance_pct)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectMetric = this.db.prepare(
      `SELECT at_ms, value, quality FROM metric_point
       WHERE site = ? AND asset = ? AND metric = ? AND at_ms >= ? AND at_ms < ?
       ORDER BY at_ms LIMIT ?`,
    );
    this.selectRollup = this.db.prepare(
      `SELECT at_ms, mean, min, max, count FROM metric_rollup
       WHERE res_s = ? AND site = ? AND asset = ? AND metric = ? AND at_ms >= ? AND at_ms < ?
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
    this.selectEvents = this.db.prepare(
      `SELECT * FROM event_performance WHERE site = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms, event`,
    );
    this.writeInTransaction = this.db.transaction((batch: WriteBatch) => {
      for (const p of batch.metrics) {
        this.insertMetric.run(p.siteId, p.assetId ?? SITE_LEVEL, p.metric, p.atMs, p.value, p.quality);
      }
      this.rollups.markWritten(batch.metrics);
      for (const r of batch.setpoints) {
        this.insertSetpoint.run(r.siteId, r.assetId, r.atMs, r.powerKw, r.reason);
      }
      for (const e of batch.events ?? []) {
        this.insertEvent.run(e.siteId, e.eventId, e.startMs, e.endMs, e.baselineKw, e.deliveredKw, e.deliveredKwh, e.compliancePct);
      }
    });
  }

  async queryMetric(q: SeriesQuery): Promise<SeriesSample[]> {
    this.assertOpen();
    validateSeriesQuery(q);
    const resolution = q.resolution === 'auto' ? autoResolution(q.fromMs, q.toMs, this.rollups.rawFromMs(q)) : (q.resolution ?? 'raw');
    const where = [q.siteId, q.assetId ?? SITE_LEVEL, q.metric, q.fromMs, q.toMs, q.limit ?? NO_LIMIT] as const;
    if (resolution === 'raw') {
      return (this.selectMetric.all(...where) as unknown[]).map((row) => toSample(this.file, row));
    }
    const rows = this.selectRollup.all(resolution === '1m' ? 60 : 900, ...where) as unknown[];
    return rows.map((row) => toRollupSample(this.file, row));
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

  async queryEventPerformance(q: EventPerformanceQuery): Promise<EventPerformanceRecord[]> {
    this.assertOpen();
    validateEventQuery(q);
    return (this.selectEvents.all(q.siteId, q.fromMs, q.toMs) as unknown[]).map((row) => toEvent(this.file, row));
  }

  async close(): Promise<void> {
    // Even when the last flush failed, release the file; the error still reaches the caller.
    await this.closeQueue(() => this.db.close());
  }

  protected async writeBatch(batch: WriteBatch): Promise<void> {
    this.writeInTransaction(batch);
  }

  protected async runMaintenance(untilMs?: number): Promise<MaintenanceResult> {
    if (this.closed) return { bucketsRolledUp: 0, rawPointsPruned: 0 };
    return this.rollups.run(untilMs);
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
