import pg from 'pg';
import { VppError } from '../../../domain/index.js';

/** BIGINT (times, sequence numbers) as numbers: every value we store is a safe integer. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export type Row = Record<string, unknown>;
export type Exec = (sql: string, params?: readonly unknown[]) => Promise<Row[]>;

/** The registry's pool, with PostgreSQL's errors turned into the registry's (the same codes SQLite gives). */
export class PgDb {
  readonly pool: pg.Pool;
  private readonly ownPool: boolean;

  constructor(
    readonly url: string,
    readonly label: string,
    pool?: pg.Pool,
  ) {
    this.ownPool = pool === undefined;
    // Not 'vpp-controller:…': that prefix is how ownership counts live controllers.
    this.pool = pool ?? new pg.Pool({ connectionString: url, application_name: 'vpp-registry', max: 4, types });
    this.pool.on('error', this.onIdleError);
  }

  private readonly onIdleError = (err: Error): void => {
    process.emitWarning(`${this.label}: idle connection failed: ${err.message}`, 'VppRegistryWarning');
  };

  readonly query: Exec = async (sql, params = []) => {
    try {
      return (await this.pool.query({ text: sql, values: [...params], types })).rows as Row[];
    } catch (err) {
      throw this.mapError(err, sql);
    }
  };

  /** Runs `fn` in one transaction on one connection; rolled back when it throws. */
  async tx<T>(fn: (q: Exec) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new VppError('REGISTRY_UNREACHABLE', `${this.label}: ${(err as Error).message}`, { cause: err });
    }
    const q: Exec = async (sql, params = []) => {
      try {
        return (await client.query({ text: sql, values: [...params], types })).rows as Row[];
      } catch (err) {
        throw this.mapError(err, sql);
      }
    };
    try {
      await q('BEGIN');
      const out = await fn(q);
      await q('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Runs `fn` holding the session advisory lock `key` on a connection of its own, so fn's
   * queries need another one: callers hold at most one such lock per pool. Waits at most
   * `timeoutMs` for the lock, then throws REGISTRY_BUSY. A connection that dies releases the
   * lock by itself; fn still completes, and the loss is warned about.
   */
  async withSessionLock<T>(key: number, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new VppError('REGISTRY_UNREACHABLE', `${this.label}: ${(err as Error).message}`, { cause: err });
    }
    // A checked-out connection has no listener: without one its death would crash the process.
    let lost: Error | null = null;
    const onLost = (err: Error): void => {
      lost ??= err;
    };
    client.on('error', onLost);
    try {
      // One round trip; SET LOCAL ends with the statements' implicit transaction, the session lock does not.
      await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(timeoutMs))}; SELECT pg_advisory_lock(${key})`);
    } catch (err) {
      client.release(err as Error);
      if ((err as { code?: string }).code === '55P03') {
        throw new VppError('REGISTRY_BUSY', `${this.label}: another controller held the registry's write lock for over ${timeoutMs} ms; try again`, { cause: err });
      }
      throw this.mapError(err, 'SELECT pg_advisory_lock');
    }
    try {
      return await fn();
    } finally {
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
        client.off('error', onLost);
        client.release();
      } catch (err) {
        client.release(err as Error);
        process.emitWarning(`${this.label}: the registry's write lock was lost while held (${(lost ?? (err as Error)).message}); that write may have interleaved with another controller's`, 'VppRegistryWarning');
      }
    }
  }

  async close(): Promise<void> {
    this.pool.off('error', this.onIdleError);
    if (this.ownPool) await this.pool.end();
  }

  private mapError(err: unknown, sql: string): Error {
    if (err instanceof VppError) return err;
    const e = err as { code?: string; message?: string; detail?: string; table?: string };
    const table = e.table ?? (/(?:INTO|UPDATE|FROM)\s+(\w+)/i.exec(sql)?.[1] ?? 'registry');
    if (e.code === '23505') return new VppError('REGISTRY_CONFLICT', `${table}: ${e.detail ?? e.message ?? 'duplicate'}`, { cause: err });
    if (e.code === '23503') return new VppError('REGISTRY_REFERENCE', `${table}: a referenced object does not exist`, { cause: err });
    if (e.code === undefined || /^(08|57P)/.test(e.code)) {
      return new VppError('REGISTRY_UNREACHABLE', `${this.label}: ${e.message ?? String(err)}`, { cause: err });
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The URL for messages: no password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    // pg also takes the password as a query parameter.
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return '(unparsable connection string)';
  }
}
