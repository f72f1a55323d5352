import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry, seedVens, type Registry } from '../../src/store/index.js';
import { MIGRATIONS as ALL_MIGRATIONS } from '../../src/store/registry/index.js';
import { OTHER_SITE, OWN_SITE } from '../helpers/openadr-api.js';

/** The OpenADR repositories on a real SQLite file: CRUD, filters, refusals that write nothing, reopen. */
let dir: string;
let registry: Registry;
const AT = Date.parse('2025-07-15T03:00:00Z');
const iso = '2025-07-15T03:00:00Z';
const program = (id: string, name: string, extra: Record<string, unknown> = {}) => ({ id, objectType: 'PROGRAM', createdDateTime: iso, programName: name, ...extra });
const event = (id: string, programID: string, targets: unknown = null) => ({
  id, objectType: 'EVENT', createdDateTime: iso, programID, targets,
  intervals: [{ id: 0, payloads: [{ type: 'SIMPLE', values: [1] }] }],
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-registry-openadr-'));
  registry = openRegistry({ dataDir: dir });
});
afterEach(async () => {
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('OpenADR repositories', () => {
  it('creates, reads, updates, lists and deletes, and everything survives a reopen', async () => {
    await registry.programs.create(program('p1', 'peak'), AT);
    await registry.programs.create(program('p2', 'valley', { targets: [{ type: 'GROUP', values: ['east'] }] }), AT + 1);
    await registry.events.create(event('e1', 'p1', [{ type: 'VEN_NAME', values: ['plant-1'] }]), AT + 2);
    expect(await registry.programs.update('p1', program('p1', 'peak', { programLongName: 'Peak' }), AT + 5)).toMatchObject({ id: 'p1', createdMs: AT, modifiedMs: AT + 5 });
    expect(await registry.programs.update('nope', program('nope', 'x'), AT)).toBeNull();

    await registry.close();
    registry = openRegistry({ dataDir: dir });
    expect((await registry.programs.get('p1'))?.body).toEqual(program('p1', 'peak', { programLongName: 'Peak' }));
    expect((await registry.programs.list()).map((r) => r.id)).toEqual(['p1', 'p2']);
    expect((await registry.programs.list({ skip: 1, limit: 5 })).map((r) => r.id)).toEqual(['p2']);
    expect((await registry.programs.list({ targetType: 'GROUP', targetValues: ['east'] })).map((r) => r.id)).toEqual(['p2']);
    expect(await registry.programs.list({ targetType: 'GROUP', targetValues: ['west'] })).toEqual([]);
    expect((await registry.events.list({ columns: { program_id: 'p1' } })).map((r) => r.id)).toEqual(['e1']);
    expect((await registry.events.get('e1'))?.cancelledMs).toBeNull();

    expect((await registry.programs.delete('p1'))?.id).toBe('p1');
    expect(await registry.programs.delete('p1')).toBeNull();
    // Deleting a program takes its events with it (foreign key, ON DELETE CASCADE).
    expect(await registry.events.get('e1')).toBeNull();
  });

  it('a refused write writes nothing', async () => {
    await expect(registry.programs.create({ id: 'p1', objectType: 'PROGRAM' }, AT)).rejects.toThrow(/program\.programName/);
    await expect(registry.programs.create(program('bad id!', 'x'), AT)).rejects.toThrow(/program\.id/);
    await expect(registry.programs.create(program('p1', 'x', { extra: Number.NaN }), AT)).rejects.toThrow(/finite/);
    expect(await registry.programs.count()).toBe(0);
    await registry.programs.create(program('p1', 'peak'), AT);
    await expect(registry.programs.create(program('p2', 'peak'), AT)).rejects.toThrow(expect.objectContaining({ code: 'REGISTRY_CONFLICT' }));
    await expect(registry.events.create(event('e1', 'no-such-program'), AT)).rejects.toThrow(expect.objectContaining({ code: 'REGISTRY_REFERENCE' }));
    await expect(registry.programs.update('p1', program('p2', 'peak'), AT)).rejects.toThrow(/id/);
    expect(await registry.programs.count()).toBe(1);
    expect(await registry.events.count()).toBe(0);
    expect((await registry.programs.get('p1'))?.body).toEqual(program('p1', 'peak'));
  });

  it('a cancelled event is kept with its time but hidden from lists', async () => {
    await registry.programs.create(program('p1', 'peak'), AT);
    await registry.events.create(event('e1', 'p1'), AT);
    await registry.events.create(event('e2', 'p1'), AT);
    expect(await registry.events.cancel('e1', AT + 60_000)).toBe(true);
    expect(await registry.events.cancel('nope', AT)).toBe(false);
    expect((await registry.events.get('e1'))?.cancelledMs).toBe(AT + 60_000);
    expect((await registry.events.list()).map((r) => r.id)).toEqual(['e2']);
    expect((await registry.events.list({ includeHidden: true })).map((r) => r.id)).toEqual(['e1', 'e2']);
  });

  it('visibleToVen keeps objects naming the ven or addressed to nobody in particular', async () => {
    await registry.programs.create(program('p1', 'peak'), AT);
    await registry.events.create(event('mine', 'p1', [{ type: 'VEN_NAME', values: ['plant-1', 'plant-2'] }]), AT);
    await registry.events.create(event('theirs', 'p1', [{ type: 'VEN_NAME', values: ['plant-2'] }]), AT);
    await registry.events.create(event('all', 'p1', null), AT);
    await registry.events.create(event('group', 'p1', [{ type: 'GROUP', values: ['east'] }]), AT);
    await registry.events.create(event('other-type', 'p1', [{ type: 'PROGRAM_NAME', values: ['x'] }]), AT);
    expect((await registry.events.list({ visibleToVen: 'plant-1' })).map((r) => r.id)).toEqual(['mine', 'all', 'other-type']);
  });

  it('seedVens adds each configured site as a ven and its assets as resources, once', async () => {
    expect(await seedVens(registry, [OWN_SITE, OTHER_SITE], AT)).toBe(2 + OWN_SITE.assets.length + OTHER_SITE.assets.length);
    expect(await seedVens(registry, [OWN_SITE, OTHER_SITE], AT)).toBe(0);
    expect((await registry.vens.list()).map((v) => [v.id, v.body['venName']])).toEqual([[OWN_SITE.id, OWN_SITE.id], [OTHER_SITE.id, OTHER_SITE.id]]);
    expect((await registry.resources.list({ columns: { ven_id: OWN_SITE.id } })).map((r) => r.body['resourceName'])).toEqual(OWN_SITE.assets.map((a) => a.id));
    // A site id with a dot is a valid site id but not an OpenADR object id.
    await seedVens(registry, [{ ...OWN_SITE, id: 'plant.3', assets: [] }], AT);
    expect((await registry.vens.list({ columns: { ven_name: 'plant.3' } }))[0]?.id).toBe('plant_3');
  });

  it('migration 2 upgrades a registry written with migration 1 only', async () => {
    await registry.close();
    const file = join(dir, 'old.db');
    const db = new Database(file);
    db.exec(ALL_MIGRATIONS[0]?.sql ?? '');
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)');
    db.prepare('INSERT INTO schema_migrations VALUES (1, ?, 0)').run(ALL_MIGRATIONS[0]?.name ?? '');
    db.prepare("INSERT INTO programs VALUES ('p1', 'peak', 0, 0, ?)").run(JSON.stringify(program('p1', 'peak')));
    db.close();
    registry = openRegistry({ file });
    await registry.events.create(event('e1', 'p1'), AT);
    expect(await registry.events.cancel('e1', AT)).toBe(true);
    expect((await registry.events.get('e1'))?.cancelledMs).toBe(AT);
  });
});
