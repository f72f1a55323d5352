import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Subject, type Observable } from 'rxjs';
import { VppError } from '../../domain/index.js';
import type { ModeLog } from '../../domain/index.js';
import { SqliteClientRepository, type ClientRepository } from './clients.js';
import { migrate } from './migrations.js';
import { SqliteModeLog } from './modes.js';
import { openAdrRepositories, type EventRepository, type SubscriptionRepository } from './openadr-repos.js';
import type { RegistryChange } from './changes.js';
import { SqliteWebhookOutbox, type WebhookOutbox } from './webhook-outbox.js';
import { SqliteDispatchLog, type DispatchLog } from './dispatch-log.js';
import { SqliteEnrolmentRepository, type EnrolmentRepository } from './enrolments.js';
import type { OpenAdrRepository } from './openadr-table.js';

export const REGISTRY_FILE = 'registry.db';

/**
 * Everything the controller knows that is not a time series: API clients, operating-mode
 * changes, OpenADR programs, events, vens, resources (and, tables ready, repositories to come)
 * enrolments, reports and subscriptions. Embedded SQLite now; the same interface over
 * PostgreSQL for scale-out.
 */
export interface Registry {
  /** Where it lives, for messages: the SQLite file, or the PostgreSQL URL without its password. */
  readonly file: string;
  readonly clients: ClientRepository;
  readonly modes: ModeLog;
  /** OpenADR objects, kept whole as JSON (the API validates them against the 3.0.1 schemas first). */
  readonly programs: OpenAdrRepository;
  readonly events: EventRepository;
  readonly vens: OpenAdrRepository;
  readonly resources: OpenAdrRepository;
  /** Reports, owned (ownerVenId) by the ven whose site wrote them. */
  readonly reports: OpenAdrRepository;
  /** Webhook subscriptions, owned by a site's ven or (null) by an operator; with signing secrets. */
  readonly subscriptions: SubscriptionRepository;
  /** Webhook deliveries not yet made (src/runtime/notifier). */
  readonly webhooks: WebhookOutbox;
  /**
   * Every create, update and delete of programs, events, reports, subscriptions, vens and
   * resources through this registry, after it committed; completes on close.
   */
  readonly changes$: Observable<RegistryChange>;
  /** Enrolments (program × ven, with limits) and event opt-outs: our extension. */
  readonly enrolments: EnrolmentRepository;
  /** How each DR event was dispatched: allocations, refusals, clips, baselines. */
  readonly dispatch: DispatchLog;
  /**
   * Runs `fn` while no other `exclusive` fn runs on this registry's data, in any process: for
   * code that reads, checks and then writes (a started event may only shorten, a program with
   * live events is not deleted), which would otherwise interleave with another request's. Each
   * fn starts once the previous one has settled; a failed fn does not stop the next. Not
   * reentrant: calling it again inside fn waits for itself. PostgreSQL: throws VppError
   * REGISTRY_BUSY when another process keeps it longer than the lock timeout.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Runs each fn once every fn queued before it has settled; one that fails does not stop the next. */
export function serialQueue(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.then(() => undefined, () => undefined);
    return run;
  };
}

export type RegistryOptions = ({ readonly dataDir: string } | { readonly file: string }) & {
  /** Clock for created/applied times; default Date.now. */
  readonly nowMs?: () => number;
};

const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating when absent) `<dataDir>/registry.db` or the given file, and migrates it. */
export function openRegistry(options: RegistryOptions): Registry {
  const file = 'file' in options ? resolve(options.file) : join(resolve(options.dataDir), REGISTRY_FILE);
  const nowMs = options.nowMs ?? Date.now;
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    db = new Database(file);
    // WAL lets `vpp clients add` write while the server reads; the busy timeout makes the
    // writer wait for the other process's lock instead of failing at once.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db, file, nowMs());
  } catch (err) {
    db?.close();
    if (err instanceof VppError) throw err;
    throw new VppError('REGISTRY_OPEN_FAILED', `cannot open registry ${file}: ${String(err)}`, { cause: err });
  }
  const open = db;
  const changes = new Subject<RegistryChange>();
  return {
    file,
    clients: new SqliteClientRepository(open, file, nowMs),
    modes: new SqliteModeLog(open, file),
    ...openAdrRepositories(open, file, (c) => changes.next(c)),
    webhooks: new SqliteWebhookOutbox(open, file),
    changes$: changes.asObservable(),
    enrolments: new SqliteEnrolmentRepository(open, file),
    dispatch: new SqliteDispatchLog(open, file),
    // One process owns the file (the CLI only adds clients), so the in-process queue is enough.
    exclusive: serialQueue(),
    close: async () => {
      changes.complete();
      if (open.open) open.close();
    },
  };
}
