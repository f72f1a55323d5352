import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { VppError, type Asset, type Site } from '../../domain/index.js';
import type { ChangeSink } from './changes.js';
import { SqliteOpenAdrTable, type OpenAdrRecord, type OpenAdrRepository } from './openadr-table.js';

/** Events also remember when the operator cancelled one that had started (OpenADR has no status). */
export interface EventRecord extends OpenAdrRecord {
  readonly cancelledMs: number | null;
}

export interface EventRepository extends OpenAdrRepository {
  get(id: string): Promise<EventRecord | null>;
  /** Marks a started event cancelled from `atMs`; false when there is no such event. */
  cancel(id: string, atMs: number): Promise<boolean>;
}

/**
 * Subscriptions also keep the secret their webhooks are signed with (HMAC-SHA256), made at
 * creation, in the same transaction; it is not part of the stored body.
 */
export interface SubscriptionRepository extends OpenAdrRepository {
  signingSecret(id: string): Promise<string | null>;
}

export interface OpenAdrRepositories {
  readonly programs: OpenAdrRepository;
  readonly events: EventRepository;
  /** venName is our site id. */
  readonly vens: OpenAdrRepository;
  /** venID: the ven's id; resourceName: our asset id. */
  readonly resources: OpenAdrRepository;
  /** Owner (ownerVenId, column ven_id): the ven whose site wrote it. */
  readonly reports: OpenAdrRepository;
  /** Owner (ownerVenId, column ven_id): the site's ven; null for an operator's. */
  readonly subscriptions: SubscriptionRepository;
}

class SqliteEventTable extends SqliteOpenAdrTable implements EventRepository {
  private readonly setCancelled: Database.Statement;
  private readonly selectCancelled: Database.Statement;

  constructor(db: Database.Database, file: string, emit?: ChangeSink) {
    super(db, file, {
      table: 'events',
      kind: 'event',
      objectType: 'EVENT',
      columns: { program_id: ['programID', true], event_name: ['eventName', false] },
      // A cancelled event stays for history and M&V, but VENs polling the list see it gone.
      visibleWhere: 'cancelled_ms IS NULL',
    }, emit);
    this.setCancelled = db.prepare('UPDATE events SET cancelled_ms = ? WHERE id = ?');
    this.selectCancelled = db.prepare('SELECT cancelled_ms FROM events WHERE id = ?');
  }

  override async get(id: string): Promise<EventRecord | null> {
    const record = this.getNow(id);
    if (record === null) return null;
    const row = this.selectCancelled.get(id) as { cancelled_ms: number | null } | undefined;
    return { ...record, cancelledMs: row?.cancelled_ms ?? null };
  }

  async cancel(id: string, atMs: number): Promise<boolean> {
    if (!Number.isSafeInteger(atMs)) this.fail('cancelledMs', atMs);
    const done = this.setCancelled.run(atMs, id).changes > 0;
    // To subscribers a cancellation is a DELETE, as it is to VENs polling the list.
    const record = done ? this.getNow(id) : null;
    if (record !== null) this.changed('DELETE', record);
    return done;
  }
}

const SECRET_BYTES = 32;

class SqliteSubscriptionTable extends SqliteOpenAdrTable implements SubscriptionRepository {
  private readonly insertSecret: Database.Statement;
  private readonly selectSecret: Database.Statement;

  constructor(db: Database.Database, file: string, emit?: ChangeSink) {
    super(db, file, {
      table: 'subscriptions',
      kind: 'subscription',
      objectType: 'SUBSCRIPTION',
      columns: { program_id: ['programID', true], client_name: ['clientName', true] },
      owner: 'ven_id',
    }, emit);
    this.insertSecret = db.prepare('INSERT INTO subscription_secrets (subscription_id, secret, created_ms) VALUES (?, ?, ?)');
    this.selectSecret = db.prepare('SELECT secret FROM subscription_secrets WHERE subscription_id = ?');
  }

  protected override afterCreate(record: OpenAdrRecord): void {
    this.insertSecret.run(record.id, `whsec_${randomBytes(SECRET_BYTES).toString('hex')}`, record.createdMs);
  }

  async signingSecret(id: string): Promise<string | null> {
    const row = this.selectSecret.get(id) as { secret: string } | undefined;
    return row?.secret ?? null;
  }
}

export function openAdrRepositories(db: Database.Database, file: string, emit?: ChangeSink): OpenAdrRepositories {
  return {
    programs: new SqliteOpenAdrTable(db, file, { table: 'programs', kind: 'program', objectType: 'PROGRAM', columns: { program_name: ['programName', true] } }, emit),
    events: new SqliteEventTable(db, file, emit),
    vens: new SqliteOpenAdrTable(db, file, { table: 'vens', kind: 'ven', objectType: 'VEN', columns: { ven_name: ['venName', true] } }, emit),
    resources: new SqliteOpenAdrTable(db, file, {
      table: 'resources',
      kind: 'resource',
      objectType: 'RESOURCE',
      columns: { ven_id: ['venID', true], resource_name: ['resourceName', true] },
    }, emit),
    reports: new SqliteOpenAdrTable(db, file, {
      table: 'reports',
      kind: 'report',
      objectType: 'REPORT',
      columns: { program_id: ['programID', true], event_id: ['eventID', true], client_name: ['clientName', true] },
      owner: 'ven_id',
    }, emit),
    subscriptions: new SqliteSubscriptionTable(db, file, emit),
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
export async function seedVens(registry: { readonly vens: OpenAdrRepository; readonly resources: OpenAdrRepository }, sites: readonly Site[], nowMs: number = Date.now()): Promise<number> {
  let added = 0;
  const at = isoAt(nowMs);
  for (const site of sites) {
    // Controllers sharing a registry seed at once: one that loses a race reads the winner's row.
    added += await retryOnConflict(async () => {
      let n = 0;
      let ven = (await registry.vens.list({ columns: { ven_name: site.id }, limit: 1 }))[0];
      if (ven === undefined) {
        const id = await freeId(registry.vens, site.id);
        const body = { id, objectType: 'VEN', createdDateTime: at, modificationDateTime: at, venName: site.id, attributes: [{ type: 'TIMEZONE', values: [site.timezone] }] };
        ven = await registry.vens.create(body, nowMs);
        n += 1;
      }
      for (const asset of site.assets) n += await seedResource(registry.resources, ven.id, asset, at, nowMs);
      return n;
    });
  }
  return added;
}

async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i += 1) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof VppError) || err.code !== 'REGISTRY_CONFLICT' || i >= attempts) throw err;
    }
  }
}

async function seedResource(resources: OpenAdrRepository, venId: string, asset: Asset, at: string, nowMs: number): Promise<number> {
  if ((await resources.list({ columns: { ven_id: venId, resource_name: asset.id }, limit: 1 })).length > 0) return 0;
  const id = await freeId(resources, `${venId}_${asset.id}`);
  await resources.create({ id, objectType: 'RESOURCE', createdDateTime: at, modificationDateTime: at, resourceName: asset.id, venID: venId, attributes: [{ type: 'ASSET_KIND', values: [asset.kind] }] }, nowMs);
  return 1;
}

async function freeId(repo: OpenAdrRepository, wanted: string): Promise<string> {
  const base = OBJECT_ID.test(wanted) ? wanted : wanted.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 100) || 'x';
  for (let i = 0; ; i += 1) {
    const id = i === 0 ? base : `${base}-${i}`;
    if ((await repo.get(id)) === null) return id;
  }
}
