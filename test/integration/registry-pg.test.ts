import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgRegistry, openRegistry, seedVens, type Registry, type RegistryChange } from '../../src/store/index.js';
import { OTHER_SITE, OWN_SITE } from '../helpers/openadr-api.js';
import { freshDatabase, postgresAvailable, startPostgres, type PostgresHandle } from '../helpers/postgres.js';

/*
 * The registry's contract, run on both backends: embedded SQLite (one process) and PostgreSQL
 * (a cluster's shared registry). What a caller relies on must not depend on which it has.
 * Then what only PostgreSQL does: changes made by another process arrive on changes$.
 */

const available = await postgresAvailable();
if (!available && process.env.CI === 'true') throw new Error('registry-pg: PostgreSQL (initdb, postgres) is missing: apt-get install -y postgresql');

const AT = Date.parse('2026-07-01T00:00:00Z');
let server: PostgresHandle | undefined;

const freshDb = (): Promise<string> => freshDatabase(server?.url ?? '', 'reg');

const program = (id: string, name: string, extra: Record<string, unknown> = {}) => ({ id, objectType: 'PROGRAM', programName: name, ...extra });
const event = (id: string, programID: string, targets?: unknown[] | null) => ({
  id, objectType: 'EVENT', programID, intervals: [{ id: 0, payloads: [{ type: 'SIMPLE', values: [1] }] }], ...(targets ? { targets } : {}),
});

beforeAll(async () => {
  if (available) server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

/** One statement straight on the database, behind the registry's back (to damage a row). */
async function pgExec(url: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

interface Opened {
  readonly registry: Registry;
  readonly done: () => void;
  readonly raw: (sql: string) => Promise<void>;
}

const backends: ReadonlyArray<readonly [string, () => Promise<Opened>]> = [
  ['sqlite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpp-reg-contract-'));
    const raw = async (sql: string) => {
      const db = new Database(join(dir, 'registry.db'));
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    };
    return { registry: openRegistry({ dataDir: dir }), done: () => rmSync(dir, { recursive: true, force: true }), raw };
  }],
  ['postgres', async () => {
    const url = await freshDb();
    return { registry: await openPgRegistry({ url }), done: () => undefined, raw: (sql: string) => pgExec(url, sql) };
  }],
];

describe.each(backends)('registry contract: %s', (name, open) => {
  const skip = name === 'postgres' && !available;
  const withRegistry = (fn: (r: Registry, raw: Opened['raw']) => Promise<void>) => async () => {
    const { registry, done, raw } = await open();
    try {
      await fn(registry, raw);
    } finally {
      await registry.close();
      done();
    }
  };

  it.skipIf(skip)('creates, reads, lists in order with filters, updates, deletes (a program takes its events)', withRegistry(async (r) => {
    await r.programs.create(program('p1', 'peak'), AT);
    await r.programs.create(program('p2', 'valley', { targets: [{ type: 'GROUP', values: ['east'] }] }), AT + 1);
    await r.events.create(event('mine', 'p1', [{ type: 'VEN_NAME', values: ['plant-1', 'plant-2'] }]), AT);
    await r.events.create(event('theirs', 'p1', [{ type: 'VEN_NAME', values: ['plant-2'] }]), AT);
    await r.events.create(event('all', 'p1', null), AT);
    await r.events.create(event('group', 'p1', [{ type: 'GROUP', values: ['east'] }]), AT);
    expect(await r.programs.update('p1', program('p1', 'peak', { programLongName: 'Peak' }), AT + 5)).toMatchObject({ id: 'p1', createdMs: AT, modifiedMs: AT + 5 });
    expect(await r.programs.update('nope', program('nope', 'x'), AT)).toBeNull();
    expect((await r.programs.get('p1'))?.body).toEqual(program('p1', 'peak', { programLongName: 'Peak' }));
    expect((await r.programs.list()).map((x) => x.id)).toEqual(['p1', 'p2']);
    expect((await r.programs.list({ skip: 1, limit: 5 })).map((x) => x.id)).toEqual(['p2']);
    expect((await r.programs.list({ limit: 0 })).map((x) => x.id)).toEqual([]);
    expect((await r.programs.list({ targetType: 'GROUP', targetValues: ['east'] })).map((x) => x.id)).toEqual(['p2']);
    expect(await r.programs.list({ targetType: 'GROUP', targetValues: ['west'] })).toEqual([]);
    // Same created time: insertion order.
    expect((await r.events.list({ columns: { program_id: 'p1' } })).map((x) => x.id)).toEqual(['mine', 'theirs', 'all', 'group']);
    expect((await r.events.list({ visibleToVen: 'plant-1' })).map((x) => x.id)).toEqual(['mine', 'all']);
    expect((await r.events.list({ targetType: 'VEN_NAME' })).map((x) => x.id)).toEqual(['mine', 'theirs']);
    expect(await r.events.count()).toBe(4);
    await expect(r.events.list({ columns: { nope: 'x' } })).rejects.toMatchObject({ code: 'REGISTRY_QUERY_INVALID' });
    await expect(r.programs.list({ skip: -1 })).rejects.toThrow(/program\.skip/);
    expect((await r.programs.delete('p1'))?.id).toBe('p1');
    expect(await r.programs.delete('p1')).toBeNull();
    expect(await r.events.get('mine')).toBeNull();
    expect(await r.events.count()).toBe(0);
  }));

  it.skipIf(skip)('refuses bad writes naming the field, with the same codes, and writes nothing', withRegistry(async (r) => {
    await expect(r.programs.create({ id: 'p1', objectType: 'PROGRAM' }, AT)).rejects.toThrow(/program\.programName/);
    await expect(r.programs.create(program('bad id!', 'x'), AT)).rejects.toThrow(/program\.id/);
    await expect(r.programs.create(program('p1', 'x', { extra: Number.NaN }), AT)).rejects.toThrow(/finite/);
    await r.programs.create(program('p1', 'peak'), AT);
    await expect(r.programs.create(program('p2', 'peak'), AT)).rejects.toMatchObject({ code: 'REGISTRY_CONFLICT' });
    await expect(r.programs.create(program('p1', 'other'), AT)).rejects.toMatchObject({ code: 'REGISTRY_CONFLICT' });
    await expect(r.events.create(event('e1', 'no-such-program'), AT)).rejects.toMatchObject({ code: 'REGISTRY_REFERENCE' });
    await expect(r.programs.update('p1', program('p2', 'peak'), AT)).rejects.toThrow(/id/);
    expect(await r.programs.count()).toBe(1);
    expect(await r.events.count()).toBe(0);
  }));

  it.skipIf(skip)('orders by created time before insertion order, and says which stored row is not JSON', withRegistry(async (r, raw) => {
    await r.programs.create(program('late', 'b'), AT + 10);
    await r.programs.create(program('early', 'a'), AT);
    await r.programs.create(program('early2', 'c'), AT);
    expect((await r.programs.list()).map((x) => x.id)).toEqual(['early', 'early2', 'late']);
    expect((await r.programs.list({ skip: 1, limit: 1 })).map((x) => x.id)).toEqual(['early2']);
    await raw("UPDATE programs SET body = '{not json' WHERE id = 'late'");
    await expect(r.programs.get('late')).rejects.toMatchObject({ code: 'REGISTRY_DATA_CORRUPT', message: expect.stringMatching(/programs\.body of 'late'/) as unknown });
    expect((await r.programs.get('early'))?.id).toBe('early');
  }));

  it.skipIf(skip)('cancels an event (hidden, time kept), signs subscriptions, owns reports, seeds vens idempotently', withRegistry(async (r) => {
    expect(await seedVens(r, [OWN_SITE, OTHER_SITE], AT)).toBe(2 + OWN_SITE.assets.length + OTHER_SITE.assets.length);
    expect(await seedVens(r, [OWN_SITE, OTHER_SITE], AT)).toBe(0);
    await r.programs.create(program('p1', 'peak'), AT);
    await r.events.create(event('e1', 'p1'), AT);
    await r.events.create(event('e2', 'p1'), AT);
    expect(await r.events.cancel('e1', AT + 60_000)).toBe(true);
    expect(await r.events.cancel('nope', AT)).toBe(false);
    expect((await r.events.get('e1'))?.cancelledMs).toBe(AT + 60_000);
    expect((await r.events.get('e2'))?.cancelledMs).toBeNull();
    expect((await r.events.list()).map((x) => x.id)).toEqual(['e2']);
    expect((await r.events.list({ includeHidden: true })).map((x) => x.id)).toEqual(['e1', 'e2']);
    const sub = await r.subscriptions.create({ id: 's1', objectType: 'SUBSCRIPTION', programID: 'p1', clientName: 'x', objectOperations: [] }, AT, OWN_SITE.id);
    expect(sub.ownerVenId).toBe(OWN_SITE.id);
    expect(await r.subscriptions.signingSecret('s1')).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(await r.subscriptions.signingSecret('nope')).toBeNull();
    await r.reports.create({ id: 'r1', objectType: 'REPORT', programID: 'p1', eventID: 'e2', clientName: OWN_SITE.id }, AT, OWN_SITE.id);
    expect((await r.reports.list({ columns: { ven_id: OWN_SITE.id } })).map((x) => [x.id, x.ownerVenId])).toEqual([['r1', OWN_SITE.id]]);
  }));

  it.skipIf(skip)('keeps enrolments, opt-outs, dispatch records and the webhook outbox', withRegistry(async (r) => {
    await seedVens(r, [OWN_SITE], AT);
    await r.programs.create(program('p1', 'peak'), AT);
    await r.events.create(event('e1', 'p1'), AT);
    expect((await r.enrolments.put('p1', OWN_SITE.id, { a: 1 }, AT)).created).toBe(true);
    const again = await r.enrolments.put('p1', OWN_SITE.id, { a: 2 }, AT + 1);
    expect([again.created, again.record.createdMs, again.record.modifiedMs, again.record.body]).toEqual([false, AT, AT + 1, { a: 2 }]);
    await expect(r.enrolments.put('nope', OWN_SITE.id, {}, AT)).rejects.toMatchObject({ code: 'REGISTRY_REFERENCE' });
    expect((await r.enrolments.list({ venId: OWN_SITE.id })).map((e) => e.programId)).toEqual(['p1']);
    expect(await r.enrolments.list({ programId: 'other' })).toEqual([]);
    expect((await r.enrolments.optOut('e1', OWN_SITE.id, { reason: 'first' }, AT)).created).toBe(true);
    const second = await r.enrolments.optOut('e1', OWN_SITE.id, { reason: 'second' }, AT + 5);
    expect([second.created, second.record.body]).toEqual([false, { reason: 'first' }]);
    expect((await r.enrolments.optOuts('e1')).length).toBe(1);
    expect((await r.enrolments.delete('p1', OWN_SITE.id))?.body).toEqual({ a: 2 });
    expect(await r.enrolments.get('p1', OWN_SITE.id)).toBeNull();
    const d1 = await r.dispatch.append({ eventId: 'e1', siteId: null, kind: 'allocation', atMs: AT, body: { x: 1 } });
    const d2 = await r.dispatch.append({ eventId: 'e1', siteId: OWN_SITE.id, kind: 'clip', atMs: AT + 1, body: { x: 2 } });
    expect(d2.seq).toBeGreaterThan(d1.seq);
    expect((await r.dispatch.list('e1')).map((d) => [d.kind, d.siteId, d.body])).toEqual([['allocation', null, { x: 1 }], ['clip', OWN_SITE.id, { x: 2 }]]);
    await expect(r.dispatch.append({ eventId: 'nope', siteId: null, kind: 'baseline', atMs: AT, body: {} })).rejects.toMatchObject({ code: 'REGISTRY_REFERENCE' });
    await r.subscriptions.create({ id: 's1', objectType: 'SUBSCRIPTION', programID: 'p1', clientName: 'x', objectOperations: [] }, AT, null);
    await expect(r.webhooks.enqueue([{ subscriptionId: 's1', callbackUrl: 'http://a/1', bearerToken: null, body: '{"n":1}' }, { subscriptionId: 'gone', callbackUrl: 'http://a/1', bearerToken: null, body: '{}' }], AT))
      .rejects.toMatchObject({ code: 'REGISTRY_REFERENCE' });
    expect(await r.webhooks.count()).toBe(0); // all or none
    await r.webhooks.enqueue([{ subscriptionId: 's1', callbackUrl: 'http://a/1', bearerToken: 't', body: '{"n":1}' }, { subscriptionId: 's1', callbackUrl: 'http://a/1', bearerToken: null, body: '{"n":2}' }], AT);
    const head = await r.webhooks.head('http://a/1');
    expect(head).toMatchObject({ body: '{"n":1}', attempts: 0, bearerToken: 't', nextAttemptMs: AT });
    await r.webhooks.retryAt(head?.seq ?? -1, 1, AT + 1000, 'HTTP 503');
    expect(await r.webhooks.head('http://a/1')).toMatchObject({ attempts: 1, lastError: 'HTTP 503' });
    await r.webhooks.remove(head?.seq ?? -1);
    expect((await r.webhooks.head('http://a/1'))?.body).toBe('{"n":2}');
    expect(await r.webhooks.urls()).toEqual(['http://a/1']);
  }));

  it.skipIf(skip)('adds, verifies and disables clients; logs mode changes newest first', withRegistry(async (r) => {
    const c = await r.clients.add({ role: 'site', siteId: 'plant-1' });
    expect(await r.clients.verify(c.clientId, c.clientSecret)).toMatchObject({ clientId: c.clientId, role: 'site', siteId: 'plant-1' });
    expect(await r.clients.verify(c.clientId, 'wrong')).toBeNull();
    await expect(r.clients.add({ role: 'site' })).rejects.toMatchObject({ code: 'CLIENT_INVALID' });
    expect(await r.clients.disable(c.clientId)).toBe(true);
    expect(await r.clients.disable('nope')).toBe(false);
    expect(await r.clients.verify(c.clientId, c.clientSecret)).toBeNull();
    expect((await r.clients.list()).map((x) => [x.clientId, x.disabled])).toEqual([[c.clientId, true]]);
    await r.modes.append({ siteId: 'plant-1', assetId: null, mode: 'off', manualKw: null, who: 'op', why: 'storm', atMs: 1000 });
    await r.modes.append({ siteId: 'plant-2', assetId: 'b', mode: 'manual', manualKw: -5, who: 'op', why: 'test', atMs: 2000 });
    await expect(r.modes.append({ siteId: 'plant-1', assetId: null, mode: 'manual', manualKw: null, who: 'op', why: 'x', atMs: 3 })).rejects.toThrow(/manualKw/);
    expect((await r.modes.history()).map((m) => m.atMs)).toEqual([2000, 1000]);
    expect((await r.modes.history({ siteId: 'plant-1' })).map((m) => m.mode)).toEqual(['off']);
    expect((await r.modes.history({ limit: 1 })).map((m) => m.siteId)).toEqual(['plant-2']);
  }));

  it.skipIf(skip)('emits its own changes after they commit, as POST, PUT, DELETE', withRegistry(async (r) => {
    const seen = firstValueFrom(r.changes$.pipe(take(4), toArray()));
    await r.programs.create(program('p1', 'peak'), AT);
    await r.events.create(event('e1', 'p1'), AT);
    await r.events.update('e1', { ...event('e1', 'p1'), eventName: 'renamed' }, AT + 1);
    await r.events.cancel('e1', AT + 2);
    expect((await seen).map((c) => [c.objectType, c.operation, c.object['id'], c.remote ?? false])).toEqual([
      ['PROGRAM', 'POST', 'p1', false], ['EVENT', 'POST', 'e1', false], ['EVENT', 'PUT', 'e1', false], ['EVENT', 'DELETE', 'e1', false],
    ]);
    // A write that fails emits nothing; close completes the stream.
    const after: RegistryChange[] = [];
    let completed = false;
    r.changes$.subscribe({ next: (c) => after.push(c), complete: () => (completed = true) });
    await expect(r.programs.create(program('p1', 'again'), AT)).rejects.toMatchObject({ code: 'REGISTRY_CONFLICT' });
    await r.close();
    expect([after, completed]).toEqual([[], true]);
  }));
});

describe.skipIf(!available)('PostgreSQL registry shared by two processes', () => {
  it('carries a change made through one to the other, once, marked remote; both migrate once', async () => {
    const url = await freshDb();
    // Opened together: the migration lock lets one create the schema, the other finds it.
    const [a, b] = await Promise.all([openPgRegistry({ url }), openPgRegistry({ url })]);
    try {
      const atB: RegistryChange[] = [];
      const atA: RegistryChange[] = [];
      b.changes$.subscribe((c) => atB.push(c));
      a.changes$.subscribe((c) => atA.push(c));
      await a.programs.create(program('p1', 'peak'), AT);
      await a.events.create(event('e1', 'p1', [{ type: 'VEN_NAME', values: ['plant-1'] }]), AT);
      const started = Date.now();
      while (atB.length < 2 && Date.now() - started < 10_000) await new Promise((res) => setTimeout(res, 20));
      console.log(`[registry-pg] a change reached the other registry in ${Date.now() - started} ms`);
      expect(atB.map((c) => [c.objectType, c.operation, c.object['id'], c.remote])).toEqual([['PROGRAM', 'POST', 'p1', true], ['EVENT', 'POST', 'e1', true]]);
      // The writer saw its own changes once, not again as remote.
      await new Promise((res) => setTimeout(res, 300));
      expect(atA.map((c) => c.remote ?? false)).toEqual([false, false]);
      expect((await b.events.get('e1'))?.body['programID']).toBe('p1');
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const versions = (await admin.query('SELECT version FROM registry_schema_migrations ORDER BY version')).rows;
      // A registry opening prunes old changes by the database's clock, not by the writes' atMs (months ago here).
      const c = await openPgRegistry({ url });
      await c.close();
      const kept = (await admin.query('SELECT COUNT(*)::int AS n FROM registry_changes')).rows;
      await admin.end();
      expect(versions).toEqual([{ version: 1 }, { version: 2 }]);
      expect(kept).toEqual([{ n: 2 }]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);

  it('reconnects a lost change feed and delivers what was written meanwhile', async () => {
    const url = await freshDb();
    const a = await openPgRegistry({ url });
    // No polling to speak of: only the reconnect can bring the change.
    const b = await openPgRegistry({ url, pollMs: 600_000 });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const atB: RegistryChange[] = [];
      b.changes$.subscribe((c) => atB.push(c));
      await pgExec(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vpp-registry-feed'");
      const lost = () => warnings.some((m) => /change feed connection lost/.test(m));
      const cut = Date.now();
      while (!lost() && Date.now() - cut < 5000) await new Promise((res) => setTimeout(res, 10));
      expect(lost()).toBe(true);
      // Written while b's feed is down (it retries after 1 s): no notification reaches b.
      await a.programs.create(program('p1', 'peak'), AT);
      const started = Date.now();
      while (atB.length < 1 && Date.now() - started < 10_000) await new Promise((res) => setTimeout(res, 20));
      expect(atB.map((c) => [c.objectType, c.object['id'], c.remote])).toEqual([['PROGRAM', 'p1', true]]);
      // Listening again: the next change comes by notification.
      await a.programs.create(program('p2', 'valley'), AT);
      const again = Date.now();
      while (atB.length < 2 && Date.now() - again < 5000) await new Promise((res) => setTimeout(res, 20));
      expect(atB.map((c) => c.object['id'])).toEqual(['p1', 'p2']);
    } finally {
      process.off('warning', onWarning);
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);

  it('refuses a database a newer program migrated, and closes cleanly', async () => {
    const url = await freshDb();
    const r = await openPgRegistry({ url });
    await r.close();
    await r.close(); // twice is fine
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query("INSERT INTO registry_schema_migrations VALUES (99, 'future', 0)");
    await admin.end();
    await expect(openPgRegistry({ url })).rejects.toMatchObject({ code: 'REGISTRY_SCHEMA_NEWER' });
  }, 60_000);
});
