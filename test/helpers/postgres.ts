import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { INSTALL_HINTS, findBinary } from './binaries.js';
import { startDaemon } from './daemon.js';
import { freePort } from './influxd.js';

const run = promisify(execFile);

/** A throwaway PostgreSQL server on loopback (its own data dir, trust auth, fsync off). */
export interface PostgresHandle {
  /** postgres://vpp@127.0.0.1:PORT/vpp */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Debian keeps the server binaries in /usr/lib/postgresql/<major>/bin, off PATH; the newest wins. */
export async function findPostgresBinDir(): Promise<string | null> {
  let majors: string[];
  try {
    majors = await readdir('/usr/lib/postgresql');
  } catch {
    return null;
  }
  const dirs = majors
    .filter((m) => /^\d+$/.test(m))
    .sort((a, b) => Number(b) - Number(a))
    .map((m) => join('/usr/lib/postgresql', m, 'bin'));
  return dirs.find((d) => findBinary(join(d, 'postgres')) !== null && findBinary(join(d, 'initdb')) !== null) ?? null;
}

/**
 * For test collection: true when Debian's PostgreSQL server is installed. When not, warns loudly
 * (the caller skips); under CI=true throws, so a run without it fails.
 */
export async function postgresAvailable(): Promise<boolean> {
  if ((await findPostgresBinDir()) !== null) return true;
  const message = `MISSING BINARY: PostgreSQL's server (postgres, initdb under /usr/lib/postgresql/*/bin) is not installed, so the tests that need it cannot run. Install it with: ${INSTALL_HINTS.postgres ?? 'apt-get install -y postgresql'}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing service is a failure)`);
  console.warn(`\n*** ${message} — SKIPPING ***\n`);
  return false;
}

/** The `postgres` system user's ids, when we are root (PostgreSQL refuses to run as root). */
async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * initdb into a temp dir and start `postgres` on a free loopback port, as the `postgres` user
 * when we are root (Debian's package creates that user). Resolves once a query succeeds.
 */
export async function startPostgres(): Promise<PostgresHandle> {
  const binDir = await findPostgresBinDir();
  if (binDir === null) throw new Error(`PostgreSQL is not installed: ${INSTALL_HINTS.postgres ?? 'apt-get install -y postgresql'}`);
  const user = await postgresUser();
  const dir = await mkdtemp(join(tmpdir(), 'vpp-postgres-'));
  await chmod(dir, 0o700);
  if (user !== null) await chown(dir, user.uid, user.gid);
  const dataDir = join(dir, 'data');
  const ids = user === null ? {} : { uid: user.uid, gid: user.gid };
  await new Promise<void>((resolve, reject) => {
    execFile(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'vpp', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...ids }, (err, _out, stderr) =>
      err === null ? resolve() : reject(new Error(`initdb failed: ${err.message}\n${stderr}`)),
    );
  });
  const port = await freePort();
  const url = `postgres://vpp@127.0.0.1:${port}/postgres`;
  const { stop } = await startDaemon({
    name: 'postgres',
    bin: join(binDir, 'postgres'),
    args: ['-D', dataDir, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    dir,
    ready: () => accepts(url),
    readyWhat: `answering a query on ${port}`,
    readyDeadlineMs: 20_000,
    pollMs: 100,
    ...ids,
  });
  return { url, port, stop };
}

let databases = 0;

/** A new, empty database on `serverUrl`'s server (so cases do not see each other's rows); its URL. */
export async function freshDatabase(serverUrl: string, prefix: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `${prefix}_${process.pid}_${++databases}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
