import type { Quality } from '../domain/index.js';

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
}

export interface SeriesSample {
  readonly atMs: number;
  readonly value: number;
  readonly quality: Quality;
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
  queryMetric(q: SeriesQuery): Promise<SeriesSample[]>;
  querySetpoints(q: SetpointQuery): Promise<SetpointRecord[]>;
  flush(): Promise<void>;
  /** Flushes, then releases the connection / file. */
  close(): Promise<void>;
}
