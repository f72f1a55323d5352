import { randomBytes } from 'node:crypto';
import { VppError, type OpenAdrObjectType } from '../../../domain/index.js';
import type { ChangeSink, RegistryChange, RegistryOperation } from '../../registry/changes.js';
import type { EventRecord, EventRepository, SubscriptionRepository } from '../../registry/openadr-repos.js';
import { columnValuesOf, serialiseBody, type OpenAdrBody, type OpenAdrListFilter, type OpenAdrRecord, type OpenAdrRepository } from '../../registry/openadr-table.js';
import type { Exec, PgDb, Row } from './db.js';
import { CHANGES_LOCK } from './schema.js';

interface Spec {
  readonly table: string;
  readonly kind: string;
  readonly objectType: OpenAdrObjectType;
  readonly columns: Readonly<Record<string, readonly [field: string, required: boolean]>>;
  readonly visibleWhere?: string;
  readonly owner?: string;
}

/** How a change is written for the other controllers (in the write's transaction) and emitted here (after it). */
export interface ChangeLog {
  readonly origin: string;
  record(q: Exec, change: RegistryChange): Promise<void>;
  readonly emit: ChangeSink;
}

/** The database's clock in ms: change rows are timed and pruned by it, not by a caller's atMs or a host's clock. */
export const DB_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/** Writes the change row in the transaction; the lock keeps seq order equal to commit order, so readers never skip one. */
export async function recordChange(q: Exec, origin: string, change: RegistryChange): Promise<void> {
  await q('SELECT pg_advisory_xact_lock($1)', [CHANGES_LOCK]);
  const [row] = await q(`INSERT INTO registry_changes (origin, at_ms, payload) VALUES ($1, ${DB_NOW_MS}, $2) RETURNING seq`, [origin, JSON.stringify(change)]);
  await q("SELECT pg_notify('vpp_registry_changes', $1)", [String(row?.['seq'])]);
}

const OBJECT_ID = /^[a-zA-Z0-9_-]{1,128}$/;
const TARGETS = "jsonb_array_elements(CASE WHEN jsonb_typeof(body::jsonb -> 'targets') = 'array' THEN body::jsonb -> 'targets' ELSE '[]'::jsonb END)";
const VALUES = "jsonb_array_elements_text(CASE WHEN jsonb_typeof(t -> 'values') = 'array' THEN t -> 'values' ELSE '[]'::jsonb END)";

/** One OpenADR table in PostgreSQL: the same contract as SqliteOpenAdrTable. */
export class PgOpenAdrTable implements OpenAdrRepository {
  protected readonly cols: readonly string[];
  protected readonly selected: string;

  constructor(
    protected readonly db: PgDb,
    protected readonly spec: Spec,
    protected readonly changes: ChangeLog,
  ) {
    this.cols = Object.keys(spec.columns);
    this.selected = `id, created_ms, modified_ms, body${spec.owner === undefined ? '' : `, ${spec.owner} AS owner`}`;
  }

  async create(body: OpenAdrBody, atMs: number, ownerVenId: string | null = null): Promise<OpenAdrRecord> {
    const id = body['id'];
    if (typeof id !== 'string' || !OBJECT_ID.test(id)) this.fail('id', id);
    const values = this.columnValues(body);
    const json = this.serialise(body);
    const names = ['id', ...this.cols, 'created_ms', 'modified_ms', 'body', ...(this.spec.owner === undefined ? [] : [this.spec.owner])];
    const args = [id, ...values, atMs, atMs, json, ...(this.spec.owner === undefined ? [] : [ownerVenId])];
    const record: OpenAdrRecord = { id, createdMs: atMs, modifiedMs: atMs, body: JSON.parse(json) as OpenAdrBody, ...(this.spec.owner === undefined ? {} : { ownerVenId }) };
    await this.db.tx(async (q) => {
      await q(`INSERT INTO ${this.spec.table} (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`, args);
      await this.afterCreate(q, record);
      await this.logChange(q, 'POST', record);
    });
    this.changes.emit(this.changeOf('POST', record));
    return record;
  }

  /** Inside create's transaction, after the insert. */
  protected async afterCreate(_q: Exec, _record: OpenAdrRecord): Promise<void> {}

  async get(id: string): Promise<OpenAdrRecord | null> {
    return this.getWith(this.db.query, id);
  }

  protected async getWith(q: Exec, id: string): Promise<OpenAdrRecord | null> {
    const [row] = await q(`SELECT ${this.selected} FROM ${this.spec.table} WHERE id = $1`, [id]);
    return row === undefined ? null : this.toRecord(row);
  }

  async list(filter: OpenAdrListFilter = {}): Promise<OpenAdrRecord[]> {
    const where: string[] = filter.includeHidden === true || this.spec.visibleWhere === undefined ? [] : [this.spec.visibleWhere];
    const args: unknown[] = [];
    const arg = (v: unknown): string => `$${args.push(v)}`;
    for (const [col, value] of Object.entries(filter.columns ?? {})) {
      if (!this.cols.includes(col) && col !== this.spec.owner) throw new VppError('REGISTRY_QUERY_INVALID', `${this.spec.table}: no filter column ${col}`);
      where.push(`${col} = ${arg(value)}`);
    }
    if (filter.targetType !== undefined || filter.targetValues !== undefined) {
      const typeCond = filter.targetType === undefined ? 'TRUE' : `t ->> 'type' = ${arg(filter.targetType)}`;
      const valueCond = filter.targetValues === undefined ? 'TRUE' : `EXISTS (SELECT 1 FROM ${VALUES} v WHERE v = ANY(${arg([...filter.targetValues])}::text[]))`;
      where.push(`EXISTS (SELECT 1 FROM ${TARGETS} t WHERE ${typeCond} AND ${valueCond})`);
    }
    if (filter.visibleToVen !== undefined) {
      where.push(`(NOT EXISTS (SELECT 1 FROM ${TARGETS} t WHERE t ->> 'type' IN ('VEN_NAME', 'GROUP'))
        OR EXISTS (SELECT 1 FROM ${TARGETS} t, ${VALUES} v WHERE t ->> 'type' = 'VEN_NAME' AND v = ${arg(filter.visibleToVen)}))`);
    }
    const skip = filter.skip ?? 0;
    if (!Number.isInteger(skip) || skip < 0) this.fail('skip', skip);
    if (filter.limit !== undefined && (!Number.isInteger(filter.limit) || filter.limit < 0)) this.fail('limit', filter.limit);
    const sql = `SELECT ${this.selected} FROM ${this.spec.table}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_ms, seq LIMIT ${arg(filter.limit ?? null)} OFFSET ${arg(skip)}`;
    return (await this.db.query(sql, args)).map((r) => this.toRecord(r));
  }

  async count(): Promise<number> {
    return Number((await this.db.query(`SELECT COUNT(*)::int AS n FROM ${this.spec.table}`))[0]?.['n'] ?? 0);
  }

  async update(id: string, body: OpenAdrBody, atMs: number): Promise<OpenAdrRecord | null> {
    if (body['id'] !== id) this.fail('id', body['id'], `must stay ${JSON.stringify(id)}`);
    const values = this.columnValues(body);
    const json = this.serialise(body);
    const sets = this.cols.map((c, i) => `${c} = $${i + 1}`);
    const record = await this.db.tx(async (q) => {
      const n = this.cols.length;
      const rows = await q(`UPDATE ${this.spec.table} SET ${[...sets, `modified_ms = $${n + 1}`, `body = $${n + 2}`].join(', ')} WHERE id = $${n + 3} RETURNING ${this.selected}`, [...values, atMs, json, id]);
      const r = rows[0] === undefined ? null : this.toRecord(rows[0]);
      if (r !== null) await this.logChange(q, 'PUT', r);
      return r;
    });
    if (record !== null) this.changes.emit(this.changeOf('PUT', record));
    return record;
  }

  async delete(id: string): Promise<OpenAdrRecord | null> {
    const removed = await this.db.tx(async (q) => {
      const rows = await q(`DELETE FROM ${this.spec.table} WHERE id = $1 RETURNING ${this.selected}`, [id]);
      const r = rows[0] === undefined ? null : this.toRecord(rows[0]);
      if (r !== null) await this.logChange(q, 'DELETE', r);
      return r;
    });
    if (removed !== null) this.changes.emit(this.changeOf('DELETE', removed));
    return removed;
  }

  protected changeOf(operation: RegistryOperation, record: OpenAdrRecord): RegistryChange {
    return { objectType: this.spec.objectType, operation, object: record.body, ownerVenId: record.ownerVenId ?? null };
  }

  protected logChange(q: Exec, operation: RegistryOperation, record: OpenAdrRecord): Promise<void> {
    return this.changes.record(q, this.changeOf(operation, record));
  }

  private columnValues(body: OpenAdrBody): (string | null)[] {
    return columnValuesOf(this.spec.columns, body, (field, v) => this.fail(field, v));
  }

  private serialise(body: OpenAdrBody): string {
    return serialiseBody(body, (v) => this.fail('(number)', v, 'must be finite'));
  }

  protected toRecord(r: Row): OpenAdrRecord {
    let body: unknown;
    try {
      body = JSON.parse(String(r['body']));
    } catch (err) {
      throw new VppError('REGISTRY_DATA_CORRUPT', `${this.db.label}: ${this.spec.table}.body of '${String(r['id'])}' is not JSON`, { cause: err });
    }
    const record: OpenAdrRecord = { id: String(r['id']), createdMs: Number(r['created_ms']), modifiedMs: Number(r['modified_ms']), body: body as OpenAdrBody };
    return this.spec.owner === undefined ? record : { ...record, ownerVenId: (r['owner'] as string | null) ?? null };
  }

  protected fail(field: string, value: unknown, why = 'is missing or invalid'): never {
    throw new VppError('REGISTRY_OBJECT_INVALID', `${this.spec.kind}.${field} ${why}, got ${JSON.stringify(value) ?? String(value)}`);
  }
}

class PgEventTable extends PgOpenAdrTable implements EventRepository {
  override async get(id: string): Promise<EventRecord | null> {
    const [row] = await this.db.query(`SELECT ${this.selected}, cancelled_ms FROM events WHERE id = $1`, [id]);
    if (row === undefined) return null;
    return { ...this.toRecord(row), cancelledMs: (row['cancelled_ms'] as number | null) ?? null };
  }

  async cancel(id: string, atMs: number): Promise<boolean> {
    if (!Number.isSafeInteger(atMs)) this.fail('cancelledMs', atMs);
    const record = await this.db.tx(async (q) => {
      const rows = await q(`UPDATE events SET cancelled_ms = $1 WHERE id = $2 RETURNING ${this.selected}`, [atMs, id]);
      const r = rows[0] === undefined ? null : this.toRecord(rows[0]);
      if (r !== null) await this.logChange(q, 'DELETE', r);
      return r;
    });
    if (record !== null) this.changes.emit(this.changeOf('DELETE', record));
    return record !== null;
  }
}

class PgSubscriptionTable extends PgOpenAdrTable implements SubscriptionRepository {
  protected override async afterCreate(q: Exec, record: OpenAdrRecord): Promise<void> {
    await q('INSERT INTO subscription_secrets (subscription_id, secret, created_ms) VALUES ($1, $2, $3)', [record.id, `whsec_${randomBytes(32).toString('hex')}`, record.createdMs]);
  }

  async signingSecret(id: string): Promise<string | null> {
    const [row] = await this.db.query('SELECT secret FROM subscription_secrets WHERE subscription_id = $1', [id]);
    return (row?.['secret'] as string | undefined) ?? null;
  }
}

export function pgOpenAdrTables(db: PgDb, changes: ChangeLog) {
  return {
    programs: new PgOpenAdrTable(db, { table: 'programs', kind: 'program', objectType: 'PROGRAM', columns: { program_name: ['programName', true] } }, changes),
    events: new PgEventTable(db, { table: 'events', kind: 'event', objectType: 'EVENT', columns: { program_id: ['programID', true], event_name: ['eventName', false] }, visibleWhere: 'cancelled_ms IS NULL' }, changes),
    vens: new PgOpenAdrTable(db, { table: 'vens', kind: 'ven', objectType: 'VEN', columns: { ven_name: ['venName', true] } }, changes),
    resources: new PgOpenAdrTable(db, { table: 'resources', kind: 'resource', objectType: 'RESOURCE', columns: { ven_id: ['venID', true], resource_name: ['resourceName', true] } }, changes),
    reports: new PgOpenAdrTable(db, {
      table: 'reports', kind: 'report', objectType: 'REPORT',
      columns: { program_id: ['programID', true], event_id: ['eventID', true], client_name: ['clientName', true] }, owner: 'ven_id',
    }, changes),
    subscriptions: new PgSubscriptionTable(db, {
      table: 'subscriptions', kind: 'subscription', objectType: 'SUBSCRIPTION',
      columns: { program_id: ['programID', true], client_name: ['clientName', true] }, owner: 'ven_id',
    }, changes),
  };
}
