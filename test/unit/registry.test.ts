import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry, REGISTRY_SCHEMA_VERSION, type Registry } from '../../src/store/index.js';
import type { ModeChange } from '../../src/domain/index.js';

describe('registry (embedded SQLite)', () => {
  let dir: string;
  let open: Registry[];
  const reg = (nowMs?: () => number): Registry => {
    const r = openRegistry({ dataDir: dir, ...(nowMs !== undefined ? { nowMs } : {}) });
    open.push(r);
    return r;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vpp-registry-'));
    open = [];
  });
  afterEach(async () => {
    for (const r of open) await r.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates registry.db with every table, records each migration once, and reopens idempotently', async () => {
    const first = reg(() => 1000);
    expect(first.file).toBe(join(dir, 'registry.db'));
    await first.close();
    await reg(() => 2000).close();
    const db = new Database(join(dir, 'registry.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT version, applied_at_ms FROM schema_migrations ORDER BY version').all();
      expect(rows).toEqual(Array.from({ length: REGISTRY_SCHEMA_VERSION }, (_, i) => ({ version: i + 1, applied_at_ms: 1000 })));
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
      expect(tables).toEqual(
        expect.arrayContaining(['clients', 'mode_changes', 'vens', 'resources', 'programs', 'events', 'enrolments', 'reports', 'subscriptions', 'schema_migrations']),
      );
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('refuses a file whose schema is newer than the code, naming both versions', async () => {
    await reg().close();
    const db = new Database(join(dir, 'registry.db'));
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)').run(REGISTRY_SCHEMA_VERSION + 1, 'from the future', 0);
    db.close();
    expect(() => openRegistry({ dataDir: dir })).toThrow(
      expect.objectContaining({ code: 'REGISTRY_SCHEMA_NEWER', message: expect.stringContaining(`version ${REGISTRY_SCHEMA_VERSION + 1} is newer`) }),
    );
  });

  it('declares foreign keys between the OpenADR tables', async () => {
    await reg().close();
    const db = new Database(join(dir, 'registry.db'));
    db.pragma('foreign_keys = ON');
    try {
      expect(() => db.prepare("INSERT INTO events (id, program_id, created_ms, modified_ms, body) VALUES ('e1', 'nope', 0, 0, '{}')").run()).toThrow(/FOREIGN KEY/);
      db.prepare("INSERT INTO programs (id, program_name, created_ms, modified_ms, body) VALUES ('p1', 'summer', 0, 0, '{}')").run();
      db.prepare("INSERT INTO events (id, program_id, created_ms, modified_ms, body) VALUES ('e1', 'p1', 0, 0, '{}')").run();
      db.prepare("DELETE FROM programs WHERE id = 'p1'").run();
      expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('adds clients with a secret shown once, stores only a scrypt hash, verifies it', async () => {
    const r = reg(() => 1_700_000_000_000);
    const op = await r.clients.add({ role: 'operator' });
    const site = await r.clients.add({ role: 'site', siteId: 'plant-1' });
    expect(op.clientId).toMatch(/^op_[0-9a-f]{24}$/);
    expect(site.clientId).toMatch(/^site_[0-9a-f]{24}$/);
    expect(op.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await r.clients.verify(op.clientId, op.clientSecret)).toEqual({ clientId: op.clientId, role: 'operator', siteId: null, createdAtMs: 1_700_000_000_000, disabled: false });
    expect(await r.clients.verify(op.clientId, site.clientSecret)).toBeNull();
    expect(await r.clients.verify('op_unknown', op.clientSecret)).toBeNull();
    await r.close();

    // The plain secrets are nowhere in the files (db, WAL); the hash is.
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f)).toString('latin1');
      expect(bytes).not.toContain(op.clientSecret);
      expect(bytes).not.toContain(site.clientSecret);
    }
    const db = new Database(join(dir, 'registry.db'), { readonly: true });
    const hash = (db.prepare('SELECT secret_hash FROM clients WHERE id = ?').get(op.clientId) as { secret_hash: string }).secret_hash;
    db.close();
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('keeps clients across a reopen; list never shows a secret; disable stops verify', async () => {
    const first = reg(() => 5000);
    const v = await first.clients.add({ role: 'viewer' });
    const s = await first.clients.add({ role: 'site', siteId: 'plant-2' });
    await first.close();
    const r = reg();
    const listed = (await r.clients.list());
    const expected = [
      [v.clientId, 'viewer', null, false],
      [s.clientId, 'site', 'plant-2', false],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(listed.map((c) => [c.clientId, c.role, c.siteId, c.disabled])).toEqual(expected);
    expect(JSON.stringify(listed)).not.toContain(v.clientSecret);
    expect(await r.clients.verify(s.clientId, s.clientSecret)).not.toBeNull();
    expect(await r.clients.disable(s.clientId)).toBe(true);
    expect(await r.clients.disable('site_nobody')).toBe(false);
    expect(await r.clients.verify(s.clientId, s.clientSecret)).toBeNull();
    expect((await r.clients.get(s.clientId))?.disabled).toBe(true);
  });

  it('refuses a site client without a site and a site id on other roles, naming the field', async () => {
    const r = reg();
    await expect(r.clients.add({ role: 'site' })).rejects.toMatchObject({ code: 'CLIENT_INVALID', message: expect.stringContaining('client.siteId is required') });
    await expect(r.clients.add({ role: 'viewer', siteId: 'plant-1' })).rejects.toMatchObject({ message: expect.stringContaining("only for role 'site'") });
    await expect(r.clients.add({ role: 'root' as never })).rejects.toMatchObject({ message: expect.stringContaining('client.role must be one of') });
    expect(await r.clients.list()).toEqual([]);
  });

  it('logs mode changes and reads them back newest first, by site and limit, across a reopen', async () => {
    const changes: ModeChange[] = [
      { siteId: 'plant-1', assetId: null, mode: 'shadow', manualKw: null, who: 'op_a', why: 'commissioning', atMs: 1000 },
      { siteId: 'plant-2', assetId: 'bess', mode: 'manual', manualKw: -50, who: 'op_a', why: 'test discharge', atMs: 2000 },
      { siteId: 'plant-1', assetId: 'bess', mode: 'off', manualKw: null, who: 'cli:ops', why: 'maintenance', atMs: 3000 },
      { siteId: 'plant-1', assetId: null, mode: 'auto', manualKw: null, who: 'op_b', why: 'done', atMs: 3000 },
    ];
    const first = reg();
    for (const c of changes) (await first.modes.append(c));
    await first.close();
    const r = reg();
    expect(await r.modes.history()).toEqual([changes[3], changes[2], changes[1], changes[0]]);
    expect(await r.modes.history({ siteId: 'plant-1', limit: 2 })).toEqual([changes[3], changes[2]]);
    expect(await r.modes.history({ siteId: 'plant-9' })).toEqual([]);
    await expect(r.modes.append({ ...changes[0]!, manualKw: Number.NaN })).rejects.toThrow(/modeChange\.manualKw is invalid, got null/);
    await expect(r.modes.append({ ...changes[0]!, mode: 'manual', manualKw: null })).rejects.toThrow(/manualKw is required for mode 'manual'/);
  });
});
