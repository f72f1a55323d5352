import type Database from 'better-sqlite3';
import { VppError } from '../../domain/index.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/*
 * Numbered migrations, applied in order, each in one transaction and recorded in
 * schema_migrations. Append new ones; never edit one that has shipped. The SQL stays in the
 * subset PostgreSQL also speaks (TEXT, INTEGER, foreign keys, no AUTOINCREMENT, no WITHOUT
 * ROWID) so the registry can move there for scale-out (ARCHITECTURE.md): there INTEGER times
 * become BIGINT and `body` JSONB.
 *
 * OpenADR objects are kept whole as their validated JSON (`body`) plus the columns queries
 * filter or join on, so later repositories add code, not schema.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'clients, mode changes, OpenADR objects',
    sql: `
    CREATE TABLE clients (
      id            TEXT    PRIMARY KEY,
      secret_hash   TEXT    NOT NULL,
      role          TEXT    NOT NULL CHECK (role IN ('operator', 'site', 'viewer')),
      site_id       TEXT,
      created_at_ms INTEGER NOT NULL,
      disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
      -- A site credential always names its site; the others never do.
      CHECK ((role = 'site') = (site_id IS NOT NULL))
    );

    CREATE TABLE mode_changes (
      id        INTEGER PRIMARY KEY,
      site_id   TEXT    NOT NULL,
      asset_id  TEXT,
      mode      TEXT    NOT NULL CHECK (mode IN ('auto', 'shadow', 'manual', 'off')),
      manual_kw REAL,
      who       TEXT    NOT NULL,
      why       TEXT    NOT NULL,
      at_ms     INTEGER NOT NULL
    );
    CREATE INDEX mode_changes_by_time ON mode_changes (at_ms);
    CREATE INDEX mode_changes_by_site_time ON mode_changes (site_id, at_ms);

    -- OpenADR ven = our site; ven_name is the site id events target (VEN_NAME).
    CREATE TABLE vens (
      id          TEXT    PRIMARY KEY,
      ven_name    TEXT    NOT NULL UNIQUE,
      created_ms  INTEGER NOT NULL,
      modified_ms INTEGER NOT NULL,
      body        TEXT    NOT NULL
    );

    -- OpenADR resource = our asset.
    CREATE TABLE resources (
      id            TEXT    PRIMARY KEY,
      ven_id        TEXT    NOT NULL REFERENCES vens (id) ON DELETE CASCADE,
      resource_name TEXT    NOT NULL,
      created_ms    INTEGER NOT NULL,
      modified_ms   INTEGER NOT NULL,
      body          TEXT    NOT NULL,
      UNIQUE (ven_id, resource_name)
    );

    CREATE TABLE programs (
      id           TEXT    PRIMARY KEY,
      program_name TEXT    NOT NULL UNIQUE,
      created_ms   INTEGER NOT NULL,
      modified_ms  INTEGER NOT NULL,
      body         TEXT    NOT NULL
    );

    CREATE TABLE events (
      id          TEXT    PRIMARY KEY,
      program_id  TEXT    NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
      event_name  TEXT,
      created_ms  INTEGER NOT NULL,
      modified_ms INTEGER NOT NULL,
      body        TEXT    NOT NULL
    );
    CREATE INDEX events_by_program ON events (program_id, created_ms);

    -- Which sites take part in which program (OpenADR has no object for it: targets do).
    CREATE TABLE enrolments (
      program_id  TEXT    NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
      ven_id      TEXT    NOT NULL REFERENCES vens (id) ON DELETE CASCADE,
      created_ms  INTEGER NOT NULL,
      modified_ms INTEGER NOT NULL,
      body        TEXT    NOT NULL,
      PRIMARY KEY (program_id, ven_id)
    );
    CREATE INDEX enrolments_by_ven ON enrolments (ven_id);

    -- ven_id: the site that wrote it (a site credential may read only its own).
    CREATE TABLE reports (
      id          TEXT    PRIMARY KEY,
      program_id  TEXT    NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
      event_id    TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      ven_id      TEXT    REFERENCES vens (id) ON DELETE CASCADE,
      client_name TEXT    NOT NULL,
      created_ms  INTEGER NOT NULL,
      modified_ms INTEGER NOT NULL,
      body        TEXT    NOT NULL
    );
    CREATE INDEX reports_by_program ON reports (program_id);
    CREATE INDEX reports_by_event ON reports (event_id);
    CREATE INDEX reports_by_ven ON reports (ven_id);

    -- ven_id: the site that owns it; null for an operator's subscription.
    CREATE TABLE subscriptions (
      id          TEXT    PRIMARY KEY,
      program_id  TEXT    REFERENCES programs (id) ON DELETE CASCADE,
      ven_id      TEXT    REFERENCES vens (id) ON DELETE CASCADE,
      client_name TEXT    NOT NULL,
      created_ms  INTEGER NOT NULL,
      modified_ms INTEGER NOT NULL,
      body        TEXT    NOT NULL
    );
    CREATE INDEX subscriptions_by_program ON subscriptions (program_id);
    CREATE INDEX subscriptions_by_ven ON subscriptions (ven_id);
    `,
  },
  {
    version: 2,
    name: 'event cancellation time',
    // OpenADR has no event status; a DELETE of a running event keeps it, cancelled from then on.
    sql: 'ALTER TABLE events ADD COLUMN cancelled_ms INTEGER;',
  },
  {
    version: 3,
    name: 'webhook signing secrets and outbox',
    sql: `
    -- The HMAC-SHA256 key a subscription's webhooks are signed with; shown once, at creation.
    CREATE TABLE subscription_secrets (
      subscription_id TEXT    PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
      secret          TEXT    NOT NULL,
      created_ms      INTEGER NOT NULL
    );

    -- Notifications not yet delivered, so a restart resumes them. seq orders deliveries to one
    -- URL; a deleted subscription takes its pending deliveries with it.
    CREATE TABLE webhook_outbox (
      seq             INTEGER PRIMARY KEY,
      delivery_id     TEXT    NOT NULL UNIQUE,
      subscription_id TEXT    NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      callback_url    TEXT    NOT NULL,
      bearer_token    TEXT,
      body            TEXT    NOT NULL,
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_ms INTEGER NOT NULL,
      created_ms      INTEGER NOT NULL,
      last_error      TEXT
    );
    CREATE INDEX webhook_outbox_by_url ON webhook_outbox (callback_url, seq);
    CREATE INDEX webhook_outbox_by_subscription ON webhook_outbox (subscription_id);
    `,
  },
  {
    version: 4,
    name: 'event opt-outs and dispatch records',
    sql: `
    -- A site declining one event before it starts (ours: OpenADR has no opt-out object).
    CREATE TABLE event_opt_outs (
      event_id TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      ven_id   TEXT    NOT NULL REFERENCES vens (id) ON DELETE CASCADE,
      at_ms    INTEGER NOT NULL,
      body     TEXT    NOT NULL,
      PRIMARY KEY (event_id, ven_id)
    );

    -- How each event was dispatched: group allocations and re-allocations, refusals and clips
    -- by enrolment limits, baselines. Append-only audit trail.
    CREATE TABLE event_dispatch (
      seq      INTEGER PRIMARY KEY,
      event_id TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      site_id  TEXT,
      kind     TEXT    NOT NULL CHECK (kind IN ('allocation', 'reallocation', 'refusal', 'clip', 'baseline')),
      at_ms    INTEGER NOT NULL,
      body     TEXT    NOT NULL
    );
    CREATE INDEX event_dispatch_by_event ON event_dispatch (event_id, seq);
    `,
  },
];

// The highest version, not the count: helpers append versions in parallel (3 may land after 4).
export const REGISTRY_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * Brings the file to REGISTRY_SCHEMA_VERSION. Idempotent. BEGIN IMMEDIATE takes the write
 * lock before reading the version, so a `vpp clients add` racing a starting server cannot
 * apply the same migration twice. Refuses a file written by a newer version of us.
 */
export function migrate(db: Database.Database, file: string, nowMs: number): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version       INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    applied_at_ms INTEGER NOT NULL
  )`);
  const step = db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: unknown } | undefined;
    const current = row?.v ?? 0;
    if (typeof current !== 'number' || !Number.isInteger(current)) {
      throw new VppError('REGISTRY_SCHEMA_INVALID', `${file}: schema_migrations.version must be an integer, got ${JSON.stringify(current)}`);
    }
    if (current > REGISTRY_SCHEMA_VERSION) {
      throw new VppError(
        'REGISTRY_SCHEMA_NEWER',
        `${file}: registry schema version ${current} is newer than this program's ${REGISTRY_SCHEMA_VERSION}; upgrade the program`,
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)');
    for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, nowMs);
    }
  });
  step.immediate();
}
