import type Database from 'better-sqlite3';
import { BUCKET_MS, MINUTE_MS, bucketOf, type Retention } from '../retention.js';
import type { MaintenanceResult, MetricPoint } from '../types.js';

const SITE_LEVEL = '';
const MAX_BUCKETS_PER_PASS = 20_000;

interface SeriesKey {
  readonly site: string;
  readonly asset: string;
  readonly metric: string;
}

/**
 * Rollups and retention for the SQLite store. Each batch marks the 15-minute buckets it
 * touched, per series, in the same transaction (markWritten). A maintenance pass rolls up
 * the marked buckets that are closed — 1-minute and 15-minute mean/min/max/count straight from
 * the raw points, leaving bad-quality ones out — then prunes raw points, setpoints and
 * rollups older than their windows. A bucket that gets late points is marked again and
 * recomputed, so a rollup always matches the raw points it was made from.
 *
 * "Now" for retention is each series' own clock, min(wall clock, the series' newest point):
 * a simulated clock may run in the past, next to series stamped by the wall clock (the demo's
 * MQTT simulator stamps its telemetry in July 2025 while the Modbus readings carry today), and
 * a device with a clock in the future must not prune everything. Setpoints and event records
 * count back from their own newest record the same way. A series that stopped keeps its last
 * window of raw points until it writes again.
 */
export class SqliteRollups {
  private readonly markSeries: Database.Statement;
  private readonly markBucket: Database.Statement;
  private readonly dirtyBefore: Database.Statement;
  private readonly rollup: Database.Statement;
  private readonly unmark: Database.Statement;
  private readonly allSeries: Database.Statement;
  private readonly newestOfSeries: Database.Statement;
  private readonly pruneRaw: Database.Statement;
  private readonly pruneRollup: Database.Statement;
  private readonly pruneSetpoints: Database.Statement;
  private readonly pruneEvents: Database.Statement;
  private readonly newestSetpoint: Database.Statement;
  private readonly newestEvent: Database.Statement;
  private readonly rollUpBucket: (key: SeriesKey, bucketMs: number) => void;
  /** Newest point written, ms; null before the first. */
  newestAtMs: number | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly retention: Retention,
  ) {
    this.markSeries = db.prepare('INSERT OR IGNORE INTO metric_series (site, asset, metric) VALUES (?, ?, ?)');
    this.markBucket = db.prepare('INSERT OR IGNORE INTO rollup_dirty (site, asset, metric, bucket_ms) VALUES (?, ?, ?, ?)');
    // A pass does at most MAX_BUCKETS_PER_PASS (the event loop waits on it); the rest waits for the next.
    this.dirtyBefore = db.prepare(`SELECT site, asset, metric, bucket_ms FROM rollup_dirty WHERE bucket_ms <= ? ORDER BY bucket_ms LIMIT ${MAX_BUCKETS_PER_PASS}`);
    // Parameters arrive as REAL: CAST makes the division whole; (at_ms - start) is never
    // negative, so truncating floors.
    this.rollup = db.prepare(`
      INSERT OR REPLACE INTO metric_rollup (res_s, site, asset, metric, at_ms, mean, min, max, count)
      SELECT @res, site, asset, metric, @start + CAST((at_ms - @start) / @step AS INTEGER) * @step AS t, avg(value), min(value), max(value), count(*)
      FROM metric_point
      WHERE site = @site AND asset = @asset AND metric = @metric AND at_ms >= @start AND at_ms < @end AND quality != 'bad'
      GROUP BY t`);
    this.unmark = db.prepare('DELETE FROM rollup_dirty WHERE site = ? AND asset = ? AND metric = ? AND bucket_ms = ?');
    this.allSeries = db.prepare('SELECT site, asset, metric FROM metric_series');
    this.newestOfSeries = db.prepare('SELECT max(at_ms) AS t FROM metric_point WHERE site = ? AND asset = ? AND metric = ?');
    this.pruneRaw = db.prepare('DELETE FROM metric_point WHERE site = ? AND asset = ? AND metric = ? AND at_ms < ?');
    this.pruneRollup = db.prepare('DELETE FROM metric_rollup WHERE res_s = ? AND site = ? AND asset = ? AND metric = ? AND at_ms < ?');
    this.pruneSetpoints = db.prepare('DELETE FROM setpoint WHERE at_ms < ?');
    this.pruneEvents = db.prepare('DELETE FROM event_performance WHERE end_ms < ?');
    this.newestSetpoint = db.prepare('SELECT max(at_ms) AS t FROM setpoint');
    this.newestEvent = db.prepare('SELECT max(end_ms) AS t FROM event_performance');
    this.rollUpBucket = db.transaction((key: SeriesKey, bucketMs: number) => {
      const end = bucketMs + BUCKET_MS;
      const where = { site: key.site, asset: key.asset, metric: key.metric, start: bucketMs, end };
      this.rollup.run({ ...where, res: 60, step: MINUTE_MS });
      this.rollup.run({ ...where, res: 900, step: BUCKET_MS });
      this.unmark.run(key.site, key.asset, key.metric, bucketMs);
    });
    for (const key of this.series()) {
      const t = (this.newestOfSeries.get(key.site, key.asset, key.metric) as { t: number | null }).t;
      if (t !== null && (this.newestAtMs === null || t > this.newestAtMs)) this.newestAtMs = t;
    }
  }

  /** Inside the batch's transaction: note its series and the buckets it touched. */
  markWritten(points: readonly MetricPoint[]): void {
    // site -> asset -> metric -> buckets: no per-point string building on the ingest path.
    const seen = new Map<string, Map<string, Map<string, Set<number>>>>();
    let newest = this.newestAtMs ?? Number.NEGATIVE_INFINITY;
    for (const p of points) {
      const asset = p.assetId ?? SITE_LEVEL;
      let bySite = seen.get(p.siteId);
      if (bySite === undefined) seen.set(p.siteId, (bySite = new Map()));
      let byAsset = bySite.get(asset);
      if (byAsset === undefined) bySite.set(asset, (byAsset = new Map()));
      let buckets = byAsset.get(p.metric);
      if (buckets === undefined) byAsset.set(p.metric, (buckets = new Set()));
      buckets.add(bucketOf(p.atMs));
      if (p.atMs > newest) newest = p.atMs;
    }
    for (const [site, bySite] of seen) {
      for (const [asset, byAsset] of bySite) {
        for (const [metric, buckets] of byAsset) {
          this.markSeries.run(site, asset, metric);
          for (const b of buckets) this.markBucket.run(site, asset, metric, b);
        }
      }
    }
    if (points.length > 0) this.newestAtMs = newest;
  }

  /** Where a series' raw data starts being kept, or null when it is kept forever (or has none). */
  rawFromMs(key: { readonly siteId: string; readonly assetId?: string; readonly metric: string }): number | null {
    return this.cutoff(this.retention.rawMs, this.newestOf({ site: key.siteId, asset: key.assetId ?? SITE_LEVEL, metric: key.metric }));
  }

  run(untilMs?: number): MaintenanceResult {
    const retention = this.retention;
    const until = untilMs ?? this.newestAtMs;
    let bucketsRolledUp = 0;
    if (until !== null) {
      const dirty = this.dirtyBefore.all(until - BUCKET_MS) as Array<SeriesKey & { bucket_ms: number }>;
      for (const d of dirty) {
        this.rollUpBucket(d, d.bucket_ms);
        bucketsRolledUp++;
      }
    }
    let rawPointsPruned = 0;
    // Raw data is pruned only where its buckets are rolled up: a marked bucket keeps its points.
    const oldestDirty = (this.dirtyBefore.get(Number.MAX_SAFE_INTEGER) as { bucket_ms: number } | undefined)?.bucket_ms;
    this.db.transaction(() => {
      for (const key of this.series()) {
        const newest = this.newestOf(key);
        const raw = this.cutoff(retention.rawMs, newest);
        const m1 = this.cutoff(retention.rollup1mMs, newest);
        const m15 = this.cutoff(retention.rollup15mMs, newest);
        const rawCut = raw === null ? null : Math.min(raw, oldestDirty ?? raw);
        if (rawCut !== null) rawPointsPruned += this.pruneRaw.run(key.site, key.asset, key.metric, rawCut).changes;
        if (m1 !== null) this.pruneRollup.run(60, key.site, key.asset, key.metric, m1);
        if (m15 !== null) this.pruneRollup.run(900, key.site, key.asset, key.metric, m15);
      }
      const setpointCut = this.cutoff(retention.rawMs, (this.newestSetpoint.get() as { t: number | null }).t);
      if (setpointCut !== null) this.pruneSetpoints.run(setpointCut);
      const eventCut = this.cutoff(retention.rollup15mMs, (this.newestEvent.get() as { t: number | null }).t);
      if (eventCut !== null) this.pruneEvents.run(eventCut);
    })();
    return { bucketsRolledUp, rawPointsPruned };
  }

  /** Where a window counted back from `newestMs` (never later than the wall clock) starts. */
  private cutoff(windowMs: number | null, newestMs: number | null): number | null {
    if (windowMs === null || newestMs === null) return null;
    return Math.min(Date.now(), newestMs) - windowMs;
  }

  private newestOf(key: SeriesKey): number | null {
    return (this.newestOfSeries.get(key.site, key.asset, key.metric) as { t: number | null }).t;
  }

  private series(): SeriesKey[] {
    return this.allSeries.all() as SeriesKey[];
  }
}
