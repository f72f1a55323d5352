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
