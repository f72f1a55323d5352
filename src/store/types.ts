import type { Quality } from '../domain/index.js';
import type { StoreStats } from './stats.js';

/**
 * One numeric sample of a series. `assetId` absent = a site-level series (gridPowerKw,
 * loadPowerKw, pvPowerKw, batteryPowerKw, batterySocPct); present = an asset's telemetry.
 */
export interface MetricPoint {
  readonly siteId: string;
  readonly assetId?: string;
  readonly metric: string;
  readonly atMs: number;
  readonly value: number;
  readonly quality: Quality;
}

/** A setpoint the controller decided (written or, in shadow mode, only computed), with why. */
export interface SetpointRecord {
  readonly siteId: string;
  readonly assetId: string;
  readonly atMs: number;
  readonly powerKw: number;
  readonly reason: string;
}

export interface SeriesQuery {
  readonly siteId: string;
  readonly assetId?: string;
  readonly metric: string;
  readonly fromMs: number;
  /** Exclusive. */
  readonly toMs: number;
  /** At most this many points, oldest first. */
  readonly limit?: number;
  /**
   * 'raw' (default): the points as written, kept for `retention.rawDays`. '1m' / '15m': the
   * rollups (mean as `value`, with min, max, count) of closed 15-minute buckets, kept long.
   * 'auto': raw for a span up to 24 h still inside the raw window, 1m up to 7 days, else 15m.
   */
  readonly resolution?: Resolution;
}

export type Resolution = 'raw' | '1m' | '15m' | 'auto';
export const RESOLUTIONS: readonly Resolution[] = ['raw', '1m', '15m', 'auto'];

export interface SeriesSample {
  readonly atMs: number;
  /** A rollup's mean. */
  readonly value: number;
  /** A rollup is 'good' (bad readings are left out of rollups). */
  readonly quality: Quality;
  /** Rollups only: over the good and stale points of the bucket. */
  readonly min?: number;
  readonly max?: number;
  readonly count?: number;
}

/**
 * How a site did in a DR event, recorded once the event completes (and again, replacing it,
 * if it is recomputed). Kept as long as the 15-minute rollups, never pruned with raw data.
 */
export interface EventPerformanceRecord {
  readonly eventId: string;
  readonly siteId: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Mean baseline over the event window. */
  readonly baselineKw: number;
  /** Mean of baseline − actual import over the window; > 0 is load taken off the grid. */
  readonly deliveredKw: number;
  readonly deliveredKwh: number;
  /** Share of the window's intervals that complied, 0..100. */
  readonly compliancePct: number;
}

export interface EventPerformanceQuery {
  readonly siteId: string;
  /** Events that start in [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
}

/** What one maintenance pass did (rollups of closed buckets, then pruning). */
export interface MaintenanceResult {
  /** 15-minute buckets (per series for SQLite, for all series for InfluxDB) rolled up. */
  readonly bucketsRolledUp: number;
  /** Raw points removed (SQLite; InfluxDB drops whole shards by retention policy itself). */
  readonly rawPointsPruned: number;
}

export interface SetpointQuery {
  readonly siteId: string;
  readonly assetId?: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit?: number;
}

/**
 * Where every grid interaction and its outcome is recorded. Writes are queued and sent in
 * batches; `flush()` resolves once everything queued before it is durable. Implementations:
 * embedded SQLite (default, under ./data) and InfluxDB 1.x (production).
 */
export interface TimeSeriesStore {
  readonly kind: 'sqlite' | 'influx';
  writeMetrics(points: readonly MetricPoint[]): void;
  writeSetpoints(records: readonly SetpointRecord[]): void;
  /** Queued, spooled and flushed like points; a record for the same site and event replaces the first. */
  writeEventPerformance(records: readonly EventPerformanceRecord[]): void;
  queryMetric(q: SeriesQuery): Promise<SeriesSample[]>;
  querySetpoints(q: SetpointQuery): Promise<SetpointRecord[]>;
  queryEventPerformance(q: EventPerformanceQuery): Promise<EventPerformanceRecord[]>;
  /** Counters for /metrics: queue, spool, written, refused. */
  stats(): StoreStats;
  /**
   * Rolls up the 15-minute buckets closed before `untilMs` (default: the newest point written)
   * that got points since their last rollup, then prunes what is past retention. Runs by itself
   * every `retention.maintenanceIntervalMs`; callable for tests and tools.
   */
  maintain(options?: { readonly untilMs?: number }): Promise<MaintenanceResult>;
  flush(): Promise<void>;
  /** Flushes, then releases the connection / file. */
  close(): Promise<void>;
}
