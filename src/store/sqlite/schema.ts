import type Database from 'better-sqlite3';
import { VppError } from '../../domain/index.js';

/*
 * Versioned schema: migration N takes the file from user_version N-1 to N, in one
 * transaction. Append new migrations; never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  // 1: metric points and setpoints. The primary keys are the indexes the queries walk
  // (site, asset, metric, time); WITHOUT ROWID stores each row once, in that order. A second
  // write of the same series and time replaces the first, as it does in InfluxDB.
  `
  CREATE TABLE metric_point (
    site    TEXT    NOT NULL,
    asset   TEXT    NOT NULL,           -- '' for a site-level series
    metric  TEXT    NOT NULL,
    at_ms   INTEGER NOT NULL,
    value   REAL    NOT NULL,
    quality TEXT    NOT NULL CHECK (quality IN ('good', 'stale', 'bad')),
    PRIMARY KEY (site, asset, metric, at_ms)
  ) WITHOUT ROWID;
  CREATE TABLE setpoint (
    site     TEXT    NOT NULL,
    asset    TEXT    NOT NULL,
    at_ms    INTEGER NOT NULL,
    power_kw REAL    NOT NULL,
    reason   TEXT    NOT NULL,
    PRIMARY KEY (site, asset, at_ms)
  ) WITHOUT ROWID;
  -- All of a site's setpoints in time order, whatever the asset.
  CREATE INDEX setpoint_by_site_time ON setpoint (site, at_ms);
  `,
  // 2: rollups, retention, event performance (sqlite/rollups.ts). metric_series lists the
  // series so pruning walks the primary key per series instead of scanning the table;
  // rollup_dirty holds the 15-minute buckets of each series written since their last rollup
  // (filled in the same transaction as the points, so a crash loses none). Rows already
  // stored are marked dirty here so the first maintenance pass rolls them up.
  `
  CREATE TABLE metric_series (
    site   TEXT NOT NULL,
    asset  TEXT NOT NULL,
    metric TEXT NOT NULL,
    PRIMARY KEY (site, asset, metric)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_dirty (
    site      TEXT    NOT NULL,
    asset     TEXT    NOT NULL,
    metric    TEXT    NOT NULL,
    bucket_ms INTEGER NOT NULL,
    PRIMARY KEY (site, asset, metric, bucket_ms)
  ) WITHOUT ROWID;
  CREATE TABLE metric_rollup (
    res_s  INTEGER NOT NULL CHECK (res_s IN (60, 900)),
    site   TEXT    NOT NULL,
    asset  TEXT    NOT NULL,
    metric TEXT    NOT NULL,
    at_ms  INTEGER NOT NULL,
    mean   REAL    NOT NULL,
    min    REAL    NOT NULL,
    max    REAL    NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (res_s, site, asset, metric, at_ms)
  ) WITHOUT ROWID;
  CREATE TABLE event_performance (
    site           TEXT    NOT NULL,
    event          TEXT    NOT NULL,
    start_ms       INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    baseline_kw    REAL    NOT NULL,
    delivered_kw   REAL    NOT NULL,
    delivered_kwh  REAL    NOT NULL,
    compliance_pct REAL    NOT NULL,
    PRIMARY KEY (site, event)
  ) WITHOUT ROWID;
  CREATE INDEX event_performance_by_start ON event_performance (site, start_ms);
  INSERT OR IGNORE INTO metric_series SELECT DISTINCT site, asset, metric FROM metric_point;
  INSERT OR IGNORE INTO rollup_dirty
    SELECT site, asset, metric, (at_ms / 900000) * 900000 FROM metric_point WHERE at_ms >= 0 GROUP BY 1, 2, 3, 4;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the file to SCHEMA_VERSION; refuses a file written by a newer version of us. */
export function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true });
  if (typeof current !== 'number' || !Number.isInteger(current)) {
    throw new VppError('STORE_SCHEMA_INVALID', `${file}: user_version must be an integer, got ${String(current)}`);
  }
  if (current > SCHEMA_VERSION) {
    throw new VppError(
      'STORE_SCHEMA_NEWER',
      `${file}: schema version ${current} is newer than this program's ${SCHEMA_VERSION}; upgrade the program`,
    );
  }
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    const sql = MIGRATIONS[version - 1];
    if (sql === undefined) break;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
