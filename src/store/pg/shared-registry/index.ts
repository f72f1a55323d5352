import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Subject } from 'rxjs';
import { VppError } from '../../../domain/index.js';
import type { RegistryChange } from '../../registry/changes.js';
import { serialQueue, type Registry } from '../../registry/registry.js';
import { PgDb, redactUrl, type Row } from './db.js';
import { PgClientRepository, PgEnrolmentRepository, PgModeLog } from './others.js';
import { PgDispatchLog, PgWebhookOutbox } from './outbox.js';
import { migratePg } from './schema.js';
import { DB_NOW_MS, pgOpenAdrTables, recordChange } from './tables.js';

export interface PgRegistryOptions {
  /** postgres://… */
  readonly url: string;
  readonly nowMs?: () => number;
  /** A pool to use (not ended by close); default: one of 4 connections made here. */
  readonly pool?: pg.Pool;
  /** How often the change feed is read even without a notification, ms; default 2000. */
  readonly pollMs?: number;
  /** How long `exclusive` waits for another controller's to finish before REGISTRY_BUSY, ms; default 10000. */
  readonly exclusiveTimeoutMs?: number;
}

/**
 * The session advisory lock `exclusive` holds; apart from MIGRATE_LOCK and CHANGES_LOCK
 * (schema.ts) and the site ownership locks (two-key, src/store/pg/ownership.ts).
 */
export const EXCLUSIVE_LOCK = 0x76707034; // 'vpp4'

const KEEP_CHANGES_MS = 3_600_000;
const RECONNECT_MS = 1000;

/**
 * The registry in PostgreSQL (ARCHITECTURE.md, "Scale beyond one machine"): the same
 * repositories as the embedded SQLite one, shared by every controller of a cluster. Each
 * change of an OpenADR object is written, in its transaction, to `registry_changes` and
 * announced with NOTIFY; every registry LISTENs and emits the other processes' changes on
 * `changes$` with `remote: true` (its own are emitted right after their commit, as SQLite
 * does). The feed is also read every `pollMs` and after a reconnect, so a lost notification
 * delays a change, never loses it.
 */
export async function openPgRegistry(options: PgRegistryOptions): Promise<Registry> {
  const label = `PostgreSQL registry ${redactUrl(options.url)}`;
  const nowMs = options.nowMs ?? Date.now;
  // `exclusive` keeps one connection while its fn queries on another.
  if (options.pool !== undefined && options.pool.options.max !== undefined && options.pool.options.max < 2) {
    throw new VppError('REGISTRY_OPEN_FAILED', `cannot open ${label}: pool.options.max must be at least 2, got ${options.pool.options.max}`);
  }
  const exclusiveTimeoutMs = options.exclusiveTimeoutMs ?? 10_000;
  const db = new PgDb(options.url, label, options.pool);
  try {
    await migratePg(db, nowMs());
  } catch (err) {
    await db.close().catch(() => undefined);
    if (err instanceof VppError) throw err;
    throw new VppError('REGISTRY_OPEN_FAILED', `cannot open ${label}: ${(err as Error).message}`, { cause: err });
  }
  const origin = randomUUID();
  const changes = new Subject<RegistryChange>();
  let closed = false;
  let feed: Feed;
  try {
    feed = await startFeed(db, options, origin, (c) => changes.next(c));
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  const changeLog = {
    origin,
    record: (q: Parameters<typeof recordChange>[0], change: RegistryChange) => recordChange(q, origin, change),
    emit: (c: RegistryChange) => {
      if (!closed) changes.next(c);
    },
  };
  const queued = serialQueue();
  return {
    file: redactUrl(options.url),
    clients: new PgClientRepository(db, nowMs),
    modes: new PgModeLog(db),
    ...pgOpenAdrTables(db, changeLog),
    webhooks: new PgWebhookOutbox(db),
    changes$: changes.asObservable(),
    enrolments: new PgEnrolmentRepository(db),
    dispatch: new PgDispatchLog(db),
    // The queue keeps this process to one lock holder (one pooled connection); the lock, the others.
    exclusive: (fn) => queued(() => db.withSessionLock(EXCLUSIVE_LOCK, exclusiveTimeoutMs, fn)),
    close: async () => {
      if (closed) return;
      closed = true;
      await feed.stop();
      changes.complete();
      await db.close();
    },
  };
}

/** Change rows an hour old: every registry has read them long since (or reconnected and moved on). */
function prune(db: PgDb): Promise<Row[]> {
  return db.query(`DELETE FROM registry_changes WHERE at_ms < ${DB_NOW_MS} - $1`, [KEEP_CHANGES_MS]);
}

interface Feed {
  stop(): Promise<void>;
}

/** LISTENs on its own connection and emits the other processes' changes, in order. */
async function startFeed(db: PgDb, options: PgRegistryOptions, origin: string, emit: (c: RegistryChange) => void): Promise<Feed> {
  let lastSeq = Number((await db.query('SELECT COALESCE(MAX(seq), 0) AS s FROM registry_changes'))[0]?.['s'] ?? 0);
  await prune(db);
  let stopped = false;
  let client: pg.Client | null = null;
  let reading: Promise<void> | null = null;
  let again = false;

  const readNew = (): Promise<void> => {
    if (reading !== null) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        try {
          const rows = await db.query('SELECT seq, origin, payload FROM registry_changes WHERE seq > $1 ORDER BY seq', [lastSeq]);
          for (const r of rows) {
            lastSeq = Number(r['seq']);
            if (r['origin'] === origin || stopped) continue;
            try {
              emit({ ...(JSON.parse(String(r['payload'])) as RegistryChange), remote: true });
            } catch (err) {
              process.emitWarning(`${db.label}: registry change ${lastSeq} skipped: ${(err as Error).message}`, 'VppRegistryWarning');
            }
          }
        } catch (err) {
          if (!stopped) process.emitWarning(`${db.label}: change feed not read: ${(err as Error).message}`, 'VppRegistryWarning');
        }
      } while (again && !stopped);
    })().finally(() => {
      reading = null;
    });
    return reading;
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: options.url, application_name: 'vpp-registry-feed' });
    c.on('notification', () => void readNew());
    c.on('error', (err) => {
      if (stopped || client !== c) return;
      process.emitWarning(`${db.label}: change feed connection lost (${err.message}); reconnecting`, 'VppRegistryWarning');
      client = null;
      c.end().catch(() => undefined);
      setTimeout(() => void connect().catch(() => undefined), RECONNECT_MS).unref();
    });
    try {
      await c.connect();
      await c.query('LISTEN vpp_registry_changes');
      client = c;
      await readNew(); // what was written while not listening
    } catch (err) {
      await c.end().catch(() => undefined);
      if (stopped) return;
      process.emitWarning(`${db.label}: change feed cannot listen (${(err as Error).message}); retrying`, 'VppRegistryWarning');
      setTimeout(() => void connect().catch(() => undefined), RECONNECT_MS).unref();
    }
  };
  await connect();
  const poll = setInterval(() => void readNew(), options.pollMs ?? 2000);
  poll.unref();
  const pruning = setInterval(() => void prune(db).catch(() => undefined), 600_000);
  pruning.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(poll);
      clearInterval(pruning);
      await reading;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
