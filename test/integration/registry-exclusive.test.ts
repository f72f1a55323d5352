import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.js';
import { openPgRegistry, openRegistry, openStore, seedVens, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import { EXCLUSIVE_LOCK } from '../../src/store/pg/shared-registry/index.js';
import { eventBody, OWN_SITE, PROGRAM } from '../helpers/openadr-api.js';
import { freshDatabase, postgresAvailable, startPostgres, type PostgresHandle } from '../helpers/postgres.js';

/*
 * Registry.exclusive: a handler's read, check and write must not interleave with another's,
 * neither in one process nor across a cluster's controllers sharing PostgreSQL.
 */

const available = await postgresAvailable();
if (!available && process.env.CI === 'true') throw new Error('registry-exclusive: PostgreSQL (initdb, postgres) is missing: apt-get install -y postgresql');

const AT = Date.parse('2026-07-01T00:00:00Z');
let server: PostgresHandle | undefined;

const freshDb = (): Promise<string> => freshDatabase(server?.url ?? '', 'excl');

async function pgExec(url: string, sql: string): Promise<pg.QueryResult> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await admin.query(sql);
  } finally {
    await admin.end();
  }
}

beforeAll(async () => {
  if (available) server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const counter = (count: number) => ({ id: 'counter', objectType: 'PROGRAM', programName: 'counter', count });

/** Read, wait (another request's turn, were it not excluded), write +1. */
function increment(r: Registry): Promise<void> {
  return r.exclusive(async () => {
    const seen = Number((await r.programs.get('counter'))?.body['count']);
    await sleep(20);
    await r.programs.update('counter', counter(seen + 1), AT);
  });
}

describe('Registry.exclusive in one process (SQLite)', () => {
  it('runs read-modify-writes one at a time, and a failed one does not stop the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpp-exclusive-'));
    const r = openRegistry({ dataDir: dir });
    try {
      await r.programs.create(counter(0), AT);
      const failing = r.exclusive(() => Promise.reject(new Error('refused')));
      await Promise.all([failing.catch(() => undefined), ...Array.from({ length: 10 }, () => increment(r))]);
      await expect(failing).rejects.toThrow('refused');
      expect((await r.programs.get('counter'))?.body['count']).toBe(10);
    } finally {
      await r.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!available)('Registry.exclusive across two registries on one PostgreSQL database', () => {
  it('keeps all 20 increments made through two registries 10 at a time each', async () => {
    const url = await freshDb();
    const [a, b] = await Promise.all([openPgRegistry({ url }), openPgRegistry({ url })]);
    try {
      await a.programs.create(counter(0), AT);
      const started = Date.now();
      await Promise.all([...Array.from({ length: 10 }, () => increment(a)), ...Array.from({ length: 10 }, () => increment(b))]);
      console.log(`[registry-exclusive] 20 exclusive increments through two registries took ${Date.now() - started} ms`);
      expect((await b.programs.get('counter'))?.body['count']).toBe(20);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);

  it('times out into REGISTRY_BUSY while another registry holds it, and is free once the holder\'s connection dies', async () => {
    const url = await freshDb();
    const a = await openPgRegistry({ url });
    const b = await openPgRegistry({ url, exclusiveTimeoutMs: 300 });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    let release = (): void => undefined;
    const held = new Promise<void>((res) => (release = res));
    try {
      let entered!: () => void;
      const inside = new Promise<void>((res) => (entered = res));
      const holding = a.exclusive(async () => {
        entered();
        await held;
        return 'a done';
      });
      await inside;
      const asked = Date.now();
      await expect(b.exclusive(async () => 'b ran')).rejects.toMatchObject({ code: 'REGISTRY_BUSY', message: expect.stringMatching(/write lock for over 300 ms/) });
      expect(Date.now() - asked).toBeGreaterThanOrEqual(250);

      const killed = await pgExec(url, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = ${EXCLUSIVE_LOCK} AND granted`);
      expect(killed.rowCount).toBe(1);
      expect(await b.exclusive(async () => 'b ran')).toBe('b ran');

      // The holder finishes what it started, warned that it ran unprotected, and gets the lock again later.
      release();
      expect(await holding).toBe('a done');
      await new Promise((res) => setImmediate(res)); // warnings are emitted on the next tick
      expect(warnings.filter((m) => /write lock was lost/.test(m))).toHaveLength(1);
      expect(await a.exclusive(async () => 'a again')).toBe('a again');
      const left = await pgExec(url, `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = ${EXCLUSIVE_LOCK}`);
      expect(left.rows).toEqual([{ n: 0 }]);
    } finally {
      release(); // a failed expectation must not leave a's pool waiting for the held connection
      process.off('warning', onWarning);
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);

  it('refuses a pool of one connection (the lock would take it from fn\'s queries)', async () => {
    const url = await freshDb();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await expect(openPgRegistry({ url, pool })).rejects.toMatchObject({ code: 'REGISTRY_OPEN_FAILED', message: expect.stringMatching(/pool\.options\.max must be at least 2, got 1/) });
    } finally {
      await pool.end();
    }
  });
});

interface Controller {
  readonly registry: Registry;
  call(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** One controller's API: its own app and store, the cluster's registry. */
async function controller(url: string, nowMs: number, seed: boolean, exclusiveTimeoutMs?: number): Promise<Controller> {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-exclusive-api-'));
  const registry = await openPgRegistry({ url, ...(exclusiveTimeoutMs === undefined ? {} : { exclusiveTimeoutMs }) });
  const store: TimeSeriesStore = await openStore({ kind: 'sqlite', dataDir: dir });
  if (seed) await seedVens(registry, [OWN_SITE], nowMs);
  const app: FastifyInstance = await buildApp({ version: 'test', sites: () => [], store, adapters: () => [], nowMs: () => nowMs, registry });
  const c = await registry.clients.add({ role: 'operator' });
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret } });
  expect(login.statusCode).toBe(200);
  const token = (login.json() as { access_token: string }).access_token;
  return {
    registry,
    call: (method, path, body) => app.inject({
      method,
      url: path,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    }),
    close: async () => {
      await app.close();
      await registry.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!available)('two controllers\' APIs on one PostgreSQL registry', () => {
  it('of a program delete and an event posted to it at once, exactly one succeeds', async () => {
    const url = await freshDb();
    // Before the event's start (14:00 +08:00), so a created event is pending and blocks the delete.
    const now = Date.parse('2025-07-15T03:00:00Z');
    const a = await controller(url, now, true);
    const b = await controller(url, now, false);
    try {
      for (let round = 0; round < 8; round++) {
        const made = await a.call('POST', '/api/v1/programs', { ...PROGRAM, programName: `race-${round}` });
        expect(made.statusCode, made.body).toBe(201);
        const id = (made.json() as { id: string }).id;
        const [del, post] = await Promise.all([a.call('DELETE', `/api/v1/programs/${id}`), b.call('POST', '/api/v1/events', eventBody(id))]);
        const outcome = [del.statusCode, post.statusCode];
        // Without exclusion both could pass their checks: the event is created, then deleted with its program.
        expect([[200, 400], [409, 201]], `round ${round}: ${del.body} / ${post.body}`).toContainEqual(outcome);
        // Whichever won, the registry agrees: the program is gone, or it is there with its event.
        expect((await a.call('GET', `/api/v1/programs/${id}`)).statusCode).toBe(outcome[0] === 200 ? 404 : 200);
        expect((await a.call('GET', `/api/v1/events?programID=${id}`)).json()).toHaveLength(outcome[0] === 200 ? 0 : 1);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);

  it('answers 503 with Retry-After while another controller keeps the registry busy', async () => {
    const url = await freshDb();
    const now = Date.parse('2025-07-15T03:00:00Z');
    const a = await controller(url, now, true);
    const b = await controller(url, now, false, 200);
    let release = (): void => undefined;
    const held = new Promise<void>((res) => (release = res));
    try {
      let entered!: () => void;
      const inside = new Promise<void>((res) => (entered = res));
      const holding = a.registry.exclusive(async () => {
        entered();
        await held;
      });
      await inside;
      const busy = await b.call('POST', '/api/v1/programs', { ...PROGRAM, programName: 'while-busy' });
      expect(busy.statusCode, busy.body).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(busy.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(busy.json()).toMatchObject({ status: 503, type: 'https://vpp.dev/problems/registry-busy', detail: expect.stringMatching(/registry is busy/) });
      release();
      await holding;
      expect((await b.call('POST', '/api/v1/programs', { ...PROGRAM, programName: 'after' })).statusCode).toBe(201);
    } finally {
      release();
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);
});
