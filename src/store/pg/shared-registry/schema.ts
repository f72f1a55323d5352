import { VppError } from '../../../domain/index.js';
import type { PgDb } from './db.js';

/*
 * The registry's tables in PostgreSQL: the SQLite schema (src/store/registry/migrations.ts)
 * translated — times BIGINT, bodies TEXT (the exact JSON stored comes back; filters cast to
 * jsonb), a `seq` identity where SQLite's rowid kept insertion order — plus
 * `registry_changes`, which carries each change to the other controllers. Numbered like the
 * SQLite ones; append, never edit one that shipped.
 */
const MIGRATIONS: ReadonlyArray<{ readonly version: number; readonly name: string; readonly sql: string }> = [
  {
    version: 1,
    name: 'registry: clients, modes, OpenADR objects, enrolments, dispatch, webhooks, changes',
    sql: `
    CREATE TABLE clients (
      id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('operator', 'site', 'viewer')),
      site_id TEXT, created_at_ms BIGINT NOT NULL,
      disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
      CHECK ((role = 'site') = (site_id IS NOT NULL))
    );
    CREATE TABLE mode_changes (
      id BIGSERIAL PRIMARY KEY, site_id TEXT NOT NULL, asset_id TEXT,
      mode TEXT NOT NULL CHECK (mode IN ('auto', 'shadow', 'manual', 'off')),
      manual_kw DOUBLE PRECISION, who TEXT NOT NULL, why TEXT NOT NULL, at_ms BIGINT NOT NULL
    );
    CREATE INDEX mode_changes_by_time ON mode_changes (at_ms);
    CREATE INDEX mode_changes_by_site_time ON mode_changes (site_id, at_ms);
    CREATE TABLE vens (
      seq BIGSERIAL, id TEXT PRIMARY KEY, ven_name TEXT NOT NULL UNIQUE,
      created_ms BIGINT NOT NULL, modified_ms BIGINT NOT NULL, body TEXT NOT NULL
    );
    CREATE TABLE resources (
      seq BIGSERIAL, id TEXT PRIMARY KEY, ven_id TEXT NOT NULL REFERENCES vens (id) ON DELETE CASCADE,
      resource_name TEXT NOT NULL, created_ms BIGINT NOT NULL, modified_ms BIGINT NOT NULL, body TEXT NOT NULL,
      UNIQUE (ven_id, resource_name)
    );
    CREATE TABLE programs (
      seq BIGSERIAL, id TEXT PRIMARY KEY, program_name TEXT NOT NULL UNIQUE,
      created_ms BIGINT NOT NULL, modified_ms BIGINT NOT NULL, body TEXT NOT NULL
    );
    CREATE TABLE events (
      seq BIGSERIAL, id TEXT PRIMARY KEY, program_id TEXT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
      event_name TEXT, created_ms BIGINT NOT NULL, modified_ms BIGINT NOT NULL, body TEXT NOT NULL,
      cancelled_ms BIGINT
    );
    CREATE INDEX events_by_program ON events (program_id, created_ms);
    CREATE TABLE enrolments (
      seq BIGSERIAL, program_id TEXT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
      ven_id TEXT NOT NULL REFERENCES vens (id) ON DELETE CASCADE,
      created_ms BIGINT NOT NULL, modified_ms BIGINT NOT NULL, body TEXT NOT NULL,
      PRIMARY KEY (program_id, ven_id)
    );
    CREATE INDEX enrolments_by_ven ON enrolments (ven_id);
    CREATE TABLE reports (
      seq BIGSERIAL, id TEXT PRIMARY KEY,
      program_id TEXT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
      event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      ven_id TEXT REFERENCES vens (id) ON DELETE CASCADE,
      client_name TEXT NOT NULL, created_ms BIGINT NOT NULL, modified_ms BIGINT NOT NULL, body TEXT NOT NULL
    );
    CREATE INDEX reports_by_program ON reports (program_id);
    CREATE INDEX reports_by_event ON reports (event_id);
    CREATE INDEX reports_by_ven ON reports (ven_id);
    CREATE TABLE subscriptions (
      seq BIGSERIAL, id TEXT PRIMARY KEY,
      program_id TEXT REFERENCES programs (id) ON DELETE CASCADE,
      ven_id TEXT REFERENCES vens (id) ON DELETE CASCADE,
      client_name TEXT NOT NULL, created_ms BIGINT NOT NULL, modified_ms BIGINT NOT NULL, body TEXT NOT NULL
    );
    CREATE INDEX subscriptions_by_program ON subscriptions (program_id);
    CREATE INDEX subscriptions_by_ven ON subscriptions (ven_id);
    CREATE TABLE subscription_secrets (
      subscription_id TEXT PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
      secret TEXT NOT NULL, created_ms BIGINT NOT NULL
    );
    CREATE TABLE webhook_outbox (
      seq BIGSERIAL PRIMARY KEY, delivery_id TEXT NOT NULL UNIQUE,
      subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      callback_url TEXT NOT NULL, bearer_token TEXT, body TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms BIGINT NOT NULL, created_ms BIGINT NOT NULL, last_error TEXT
    );
    CREATE INDEX webhook_outbox_by_url ON webhook_outbox (callback_url, seq);
    CREATE TABLE event_opt_outs (
      seq BIGSERIAL, event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      ven_id TEXT NOT NULL REFERENCES vens (id) ON DELETE CASCADE,
      at_ms BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (event_id, ven_id)
    );
    CREATE TABLE event_dispatch (
      seq BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      site_id TEXT, kind TEXT NOT NULL CHECK (kind IN ('allocation', 'reallocation', 'refusal', 'clip', 'baseline')),
      at_ms BIGINT NOT NULL, body TEXT NOT NULL
    );
    CREATE INDEX event_dispatch_by_event ON event_dispatch (event_id, seq);
    -- Each change of an OpenADR object, for the other controllers (NOTIFY carries only the seq).
    CREATE TABLE registry_changes (
      seq BIGSERIAL PRIMARY KEY, origin TEXT NOT NULL, at_ms BIGINT NOT NULL, payload TEXT NOT NULL
    );
    CREATE INDEX registry_changes_by_time ON registry_changes (at_ms);
    `,
  },
  {
    version: 2,
    name: 'webhook outbox by subscription',
    // As SQLite's migration 3 has: deleting a subscription cascades to its deliveries.
    sql: 'CREATE INDEX webhook_outbox_by_subscription ON webhook_outbox (subscription_id);',
  },
];

export const PG_REGISTRY_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
/** Advisory lock keys: migrations; the order of registry_changes rows (see tables.ts). */
export const MIGRATE_LOCK = 0x76707032;
export const CHANGES_LOCK = 0x76707033;

/** Brings the database to PG_REGISTRY_SCHEMA_VERSION, once even when controllers start together. */
export async function migratePg(db: PgDb, nowMs: number): Promise<void> {
  await db.tx(async (q) => {
    await q('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await q(`CREATE TABLE IF NOT EXISTS registry_schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)`);
    const current = Number((await q('SELECT COALESCE(MAX(version), 0) AS v FROM registry_schema_migrations'))[0]?.['v'] ?? 0);
    if (current > PG_REGISTRY_SCHEMA_VERSION) {
      throw new VppError('REGISTRY_SCHEMA_NEWER', `${db.label}: registry schema version ${current} is newer than this program's ${PG_REGISTRY_SCHEMA_VERSION}; upgrade the program`);
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await q(m.sql);
      await q('INSERT INTO registry_schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)', [m.version, m.name, nowMs]);
    }
  });
}
