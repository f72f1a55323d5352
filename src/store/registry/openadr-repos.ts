import type Database from 'better-sqlite3';
import type { Asset, Site } from '../../domain/index.js';
import { SqliteOpenAdrTable, type OpenAdrRecord, type OpenAdrRepository } from './openadr-table.js';

/** Events also remember when the operator cancelled one that had started (OpenADR has no status). */
export interface EventRecord extends OpenAdrRecord {
  readonly cancelledMs: number | null;
}

export interface EventRepository extends OpenAdrRepository {
  get(id: string): EventRecord | null;
  /** Marks a started event cancelled from `atMs`; false when there is no such event. */
  cancel(id: string, atMs: number): boolean;
}

export interface OpenAdrRepositories {
  readonly programs: OpenAdrRepository;
  readonly events: EventRepository;
  /** venName is our site id. */
  readonly vens: OpenAdrRepository;
  /** venID: the ven's id; resourceName: our asset id. */
  readonly resources: OpenAdrRepository;
}

class SqliteEventTable extends SqliteOpenAdrTable implements EventRepository {
  private readonly setCancelled: Database.Statement;
  private readonly selectCancelled: Database.Statement;

  constructor(db: Database.Database, file: string) {
    super(db, file, {
      table: 'events',
      kind: 'event',
      columns: { program_id: ['programID', true], event_name: ['eventName', false] },
      // A cancelled event stays for history and M&V, but VENs polling the list see it gone.
      visibleWhere: 'cancelled_ms IS NULL',
    });
    this.setCancelled = db.prepare('UPDATE events SET cancelled_ms = ? WHERE id = ?');
    this.selectCancelled = db.prepare('SELECT cancelled_ms FROM events WHERE id = ?');
  }

  override get(id: string): EventRecord | null {
    const record = super.get(id);
    if (record === null) return null;
    const row = this.selectCancelled.get(id) as { cancelled_ms: number | null } | undefined;
    return { ...record, cancelledMs: row?.cancelled_ms ?? null };
  }

  cancel(id: string, atMs: number): boolean {
    if (!Number.isSafeInteger(atMs)) this.fail('cancelledMs', atMs);
    return this.setCancelled.run(atMs, id).changes > 0;
  }
}

export function openAdrRepositories(db: Database.Database, file: string): OpenAdrRepositories {
  return {
    programs: new SqliteOpenAdrTable(db, file, { table: 'programs', kind: 'program', columns: { program_name: ['programName', true] } }),
    events: new SqliteEventTable(db, file),
    vens: new SqliteOpenAdrTable(db, file, { table: 'vens', kind: 'ven', columns: { ven_name: ['venName', true] } }),
    resources: new SqliteOpenAdrTable(db, file, {
      table: 'resources',
      kind: 'resource',
      columns: { ven_id: ['venID', true], resource_name: ['resourceName', true] },
    }),
  };
}

const OBJECT_ID = /^[a-zA-Z0-9_-]{1,128}$/;

function isoAt(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * Makes every configured site a ven (venName = site id) and each of its assets a resource
 * (resourceName = asset id), so OpenADR targets can name them. Idempotent: existing vens and
 * resources are left as they are (an operator may have edited them). Ids are the site and asset
 * ids where OpenADR's id pattern allows (no dots), otherwise derived. Returns how many it added.
 */
export function seedVens(registry: { readonly vens: OpenAdrRepository; readonly resources: OpenAdrRepository }, sites: readonly Site[], nowMs: number = Date.now()): number {
  let added = 0;
  const at = isoAt(nowMs);
  for (const site of sites) {
    let ven = registry.vens.list({ columns: { ven_name: site.id }, limit: 1 })[0];
    if (ven === undefined) {
      const id = freeId(registry.vens, site.id);
      const body = { id, objectType: 'VEN', createdDateTime: at, modificationDateTime: at, venName: site.id, attributes: [{ type: 'TIMEZONE', values: [site.timezone] }] };
      ven = registry.vens.create(body, nowMs);
      added += 1;
    }
    for (const asset of site.assets) added += seedResource(registry.resources, ven.id, asset, at, nowMs);
  }
  return added;
}

function seedResource(resources: OpenAdrRepository, venId: string, asset: Asset, at: string, nowMs: number): number {
  if (resources.list({ columns: { ven_id: venId, resource_name: asset.id }, limit: 1 }).length > 0) return 0;
  const id = freeId(resources, `${venId}_${asset.id}`);
  resources.create({ id, objectType: 'RESOURCE', createdDateTime: at, modificationDateTime: at, resourceName: asset.id, venID: venId, attributes: [{ type: 'ASSET_KIND', values: [asset.kind] }] }, nowMs);
  return 1;
}

function freeId(repo: OpenAdrRepository, wanted: string): string {
  const base = OBJECT_ID.test(wanted) ? wanted : wanted.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 100) || 'x';
  for (let i = 0; ; i += 1) {
    const id = i === 0 ? base : `${base}-${i}`;
    if (repo.get(id) === null) return id;
  }
}
