import pg from 'pg';
import { VppError } from '../../domain/index.js';

/** A site this controller owns, and the epoch that fences it (bumped at every change of owner). */
export interface OwnedSite {
  readonly siteId: string;
  readonly epoch: number;
}

export interface SiteOwner {
  readonly siteId: string;
  readonly controllerId: string;
  readonly epoch: number;
  readonly sinceMs: number;
}

/**
 * Which controller owns which site, through PostgreSQL (ARCHITECTURE.md, "Scale beyond one
 * machine"): a session-level advisory lock per site is ownership itself — when a controller
 * dies, its connection drops and PostgreSQL frees its locks at once; the `site_owners` row
 * records who holds each site with an epoch bumped at every change of owner, which fences a
 * controller that lost a site without noticing (it sees another epoch and stops).
 */
export interface SiteOwnership {
  readonly controllerId: string;
  /**
   * Tries the sites in order and takes those no other controller holds, at most `max` of them;
   * returns the ones newly taken with their new epochs.
   */
  claim(siteIds: readonly string[], max: number): Promise<OwnedSite[]>;
  /** Gives a site up (its unit must already be stopped): the next claim elsewhere takes it. */
  release(siteId: string): Promise<void>;
  /** The sites held now, by this process's view. */
  owned(): ReadonlyMap<string, number>;
  /**
   * The held sites whose `site_owners` row no longer names this controller with our epoch:
   * fenced, to be stopped at once (and forgotten here).
   */
  fenced(): Promise<string[]>;
  /** Controllers with a live session (their connections' application_name), this one included. */
  aliveControllers(): Promise<string[]>;
  owners(): Promise<SiteOwner[]>;
  /** Called once when the session is lost: every lock is gone with it; stop every site. */
  onLost(listener: (err: Error) => void): void;
  close(): Promise<void>;
}

export interface SiteOwnershipOptions {
  /** postgres://user@host:port/db */
  readonly connectionString: string;
  /** Unique per process, [A-Za-z0-9_.-]{1,48}. */
  readonly controllerId: string;
  /** TCP keep-alive and statement timeout for the ownership session, ms; default 5000. */
  readonly timeoutMs?: number;
}

const APP_PREFIX = 'vpp-controller:';
const CONTROLLER_ID = /^[A-Za-z0-9_.-]{1,48}$/;
/** The first key of every site lock: keeps our advisory locks apart from anybody else's. */
const LOCK_SPACE = 0x76707031; // 'vpp1'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS site_owners (
  site_id       TEXT        PRIMARY KEY,
  controller_id TEXT        NOT NULL,
  epoch         BIGINT      NOT NULL,
  since         TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

/**
 * Opens the ownership session (one dedicated connection: advisory locks belong to a session).
 * Creates `site_owners` when absent.
 */
export async function openSiteOwnership(options: SiteOwnershipOptions): Promise<SiteOwnership> {
  if (!CONTROLLER_ID.test(options.controllerId)) {
    throw new VppError('CLUSTER_CONFIG_INVALID', `cluster.controllerId must match ${String(CONTROLLER_ID)}, got ${JSON.stringify(options.controllerId)}`);
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const client = new pg.Client({
    connectionString: options.connectionString,
    application_name: `${APP_PREFIX}${options.controllerId}`,
    keepAlive: true,
    keepAliveInitialDelayMillis: timeoutMs,
    statement_timeout: timeoutMs,
    connectionTimeoutMillis: timeoutMs,
  });
  try {
    await client.connect();
    // Two controllers creating the table at once: serialise on a transaction-level lock.
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_SPACE]);
    await client.query(SCHEMA);
    await client.query('COMMIT');
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new VppError('CLUSTER_DB_UNREACHABLE', `cluster: cannot open the ownership session at ${redact(options.connectionString)}: ${(err as Error).message}`, { cause: err });
  }
  return new PgSiteOwnership(client, options.controllerId);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable connection string)';
  }
}

class PgSiteOwnership implements SiteOwnership {
  private readonly held = new Map<string, number>();
  private readonly lostListeners: Array<(err: Error) => void> = [];
  private lost: Error | null = null;
  private closing = false;
  /** One query at a time on the session: claims, releases and checks never interleave. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: pg.Client,
    readonly controllerId: string,
  ) {
    const onLost = (err: Error) => {
      if (this.closing || this.lost !== null) return;
      this.lost = err;
      this.held.clear();
      for (const l of this.lostListeners) l(err);
    };
    client.on('error', (err) => onLost(err));
    client.on('end', () => onLost(new Error('the ownership session ended')));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(() => {
      if (this.lost !== null) throw new VppError('CLUSTER_SESSION_LOST', `cluster: ownership session lost: ${this.lost.message}`);
      return fn();
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  claim(siteIds: readonly string[], max: number): Promise<OwnedSite[]> {
    return this.serial(async () => {
      const taken: OwnedSite[] = [];
      for (const siteId of siteIds) {
        if (taken.length >= max) break;
        if (this.held.has(siteId)) continue;
        const got = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_SPACE, siteId]);
        if (got.rows[0]?.ok !== true) continue;
        const row = await this.client.query<{ epoch: string }>(
          `INSERT INTO site_owners (site_id, controller_id, epoch) VALUES ($1, $2, 1)
           ON CONFLICT (site_id) DO UPDATE SET controller_id = EXCLUDED.controller_id, epoch = site_owners.epoch + 1, since = now()
           RETURNING epoch`,
          [siteId, this.controllerId],
        );
        const epoch = Number(row.rows[0]?.epoch);
        this.held.set(siteId, epoch);
        taken.push({ siteId, epoch });
      }
      return taken;
    });
  }

  release(siteId: string): Promise<void> {
    return this.serial(async () => {
      if (!this.held.delete(siteId)) return;
      await this.client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE, siteId]);
    });
  }

  owned(): ReadonlyMap<string, number> {
    return this.held;
  }

  fenced(): Promise<string[]> {
    return this.serial(async () => {
      if (this.held.size === 0) return [];
      const res = await this.client.query<{ site_id: string; controller_id: string; epoch: string }>(
        'SELECT site_id, controller_id, epoch FROM site_owners WHERE site_id = ANY($1::text[])',
        [[...this.held.keys()]],
      );
      const rows = new Map(res.rows.map((r) => [r.site_id, r]));
      const out: string[] = [];
      for (const [siteId, epoch] of this.held) {
        const r = rows.get(siteId);
        if (r === undefined || r.controller_id !== this.controllerId || Number(r.epoch) !== epoch) out.push(siteId);
      }
      for (const siteId of out) this.held.delete(siteId);
      return out;
    });
  }

  aliveControllers(): Promise<string[]> {
    return this.serial(async () => {
      const res = await this.client.query<{ name: string }>(
        "SELECT DISTINCT substr(application_name, $1) AS name FROM pg_stat_activity WHERE application_name LIKE $2 ORDER BY 1",
        [APP_PREFIX.length + 1, `${APP_PREFIX}%`],
      );
      return res.rows.map((r) => r.name);
    });
  }

  owners(): Promise<SiteOwner[]> {
    return this.serial(async () => {
      const res = await this.client.query<{ site_id: string; controller_id: string; epoch: string; since: Date }>(
        'SELECT site_id, controller_id, epoch, since FROM site_owners ORDER BY site_id',
      );
      return res.rows.map((r) => ({ siteId: r.site_id, controllerId: r.controller_id, epoch: Number(r.epoch), sinceMs: r.since.getTime() }));
    });
  }

  onLost(listener: (err: Error) => void): void {
    this.lostListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.held.clear();
    await this.client.end().catch(() => undefined);
  }
}
