/**
 * What a store has done with the points handed to it, for /metrics and for tests. Counts are
 * since the store was opened, except `spooled*` (what the spool holds now, including what an
 * earlier process left there).
 */
export interface StoreStats {
  /** Points in the in-memory queue, not yet written nor spooled. */
  readonly queuedPoints: number;
  /** Points waiting in the on-disk spool (0 without a spool). */
  readonly spooledPoints: number;
  readonly spooledBytes: number;
  readonly spoolSegments: number;
  /** The spool's bound; null when the store has no spool. */
  readonly spoolMaxBytes: number | null;
  /** Points that reached the backend (from the queue or the spool). */
  readonly writtenPoints: number;
  /** Of those, points replayed from the spool. */
  readonly replayedPoints: number;
  /** Points ever put into the spool. */
  readonly spooledPointsTotal: number;
  /** Points refused at writeMetrics/writeSetpoints because the queue or the spool was full. */
  readonly refusedPoints: number;
  /** Spool records skipped as torn or corrupt (each logged). */
  readonly skippedSpoolRecords: number;
  /** Points the backend accepted the batch of but dropped itself (InfluxDB: older than its retention policy). */
  readonly droppedByBackendPoints: number;
  readonly failedFlushes: number;
  /** False after a failed write, true again after a successful one. */
  readonly backendUp: boolean;
}
