import type Database from 'better-sqlite3';
import { VppError, type OpenAdrObjectType } from '../../domain/index.js';
import type { ChangeSink, RegistryOperation } from './changes.js';

/** An OpenADR object as sent and returned: plain JSON, validated by the API before it gets here. */
export type OpenAdrBody = Readonly<Record<string, unknown>>;

export interface OpenAdrRecord {
  readonly id: string;
  readonly createdMs: number;
  readonly modifiedMs: number;
  /** The whole object, server-filled fields included. */
  readonly body: OpenAdrBody;
  /** Tables with an owner (reports, subscriptions): the ven that owns the object, or null. */
  readonly ownerVenId?: string | null;
}

export interface OpenAdrListFilter {
  /** Records to skip, >= 0; default 0. */
  readonly skip?: number;
  /** At most this many, >= 0; default all. */
  readonly limit?: number;
  /** OpenADR `targetType`: only objects with a target of this type (and, with targetValues, one of those values). */
  readonly targetType?: string;
  readonly targetValues?: readonly string[];
  /**
   * Only objects addressed to this ven name (a site client's view): a VEN_NAME target naming
   * it, or no VEN_NAME or GROUP target at all (addressed to every enrolled site).
   */
  readonly visibleToVen?: string;
  /** Exact match on an indexed column of the table (`program_id`, `ven_name`, ...). */
  readonly columns?: Readonly<Record<string, string>>;
  /** Also rows the table hides from lists (cancelled events); default false. */
  readonly includeHidden?: boolean;
}

export interface OpenAdrRepository {
  /**
   * Inserts `body` (which carries its `id`); VppError REGISTRY_CONFLICT on a duplicate id or
   * unique name. `ownerVenId`: the owning ven, for tables that have an owner (kept by update).
   */
  create(body: OpenAdrBody, atMs: number, ownerVenId?: string | null): Promise<OpenAdrRecord>;
  get(id: string): Promise<OpenAdrRecord | null>;
  /** Oldest first (created time, then insertion order), so pages stay stable. */
  list(filter?: OpenAdrListFilter): Promise<OpenAdrRecord[]>;
  count(): Promise<number>;
  /** Replaces the body; null when there is no such id. The id and created time are kept. */
  update(id: string, body: OpenAdrBody, atMs: number): Promise<OpenAdrRecord | null>;
  /** The removed record, or null when there was none. */
  delete(id: string): Promise<OpenAdrRecord | null>;
}

/** How a table's indexed columns come out of the body; a column whose value is missing is refused. */
export interface TableSpec {
  readonly table: string;
  readonly kind: string;
  /** column -> [body field, required]. */
  readonly columns: Readonly<Record<string, readonly [field: string, required: boolean]>>;
  /** SQL condition of the rows lists show unless asked for hidden ones. */
  readonly visibleWhere?: string;
  /** The objectType this table's changes carry on `registry.changes$`; none emitted without it. */
  readonly objectType?: OpenAdrObjectType;
  /** Column holding the owning ven's id, set from create's `ownerVenId`, not from the body. */
  readonly owner?: string;
}

const OBJECT_ID = /^[a-zA-Z0-9_-]{1,128}$/;

/** The indexed columns' values from the body, in the spec's order; `fail` for a missing required one (every backend). */
export function columnValuesOf(columns: TableSpec['columns'], body: OpenAdrBody, fail: (field: string, value: unknown) => never): (string | null)[] {
  return Object.values(columns).map(([field, required]) => {
    const v = body[field];
    if (typeof v === 'string') return v;
    if (!required && (v === undefined || v === null)) return null;
    return fail(field, v);
  });
}

/** The body as JSON; NaN and Infinity (which JSON.stringify writes as null) are refused, not stored changed. */
export function serialiseBody(body: OpenAdrBody, fail: (value: number) => never): string {
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? fail(v) : v));
}

interface Row {
  id: string;
  created_ms: number;
  modified_ms: number;
  body: string;
  owner?: string | null;
}

// Targets hold `{type, values}` maps (OpenADR valuesMap); a null or absent list matches nothing.
const TARGETS = "json_each(CASE WHEN json_type(body, '$.targets') = 'array' THEN json_extract(body, '$.targets') ELSE '[]' END)";

/** One OpenADR table: JSON body plus the columns queries filter on; each write one statement or transaction. */
export class SqliteOpenAdrTable implements OpenAdrRepository {
  private readonly cols: readonly string[];
  private readonly insert: Database.Statement;
  private readonly selectOne: Database.Statement;
  private readonly replace: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly countAll: Database.Statement;

  private readonly selected: string;

  constructor(
    protected readonly db: Database.Database,
    private readonly file: string,
    private readonly spec: TableSpec,
    private readonly emit?: ChangeSink,
  ) {
    this.cols = Object.keys(spec.columns);
    const t = spec.table;
    const names = ['id', ...this.cols, 'created_ms', 'modified_ms', 'body', ...(spec.owner === undefined ? [] : [spec.owner])];
    this.selected = `id, created_ms, modified_ms, body${spec.owner === undefined ? '' : `, ${spec.owner} AS owner`}`;
    this.insert = db.prepare(`INSERT INTO ${t} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
    this.selectOne = db.prepare(`SELECT ${this.selected} FROM ${t} WHERE id = ?`);
    this.replace = db.prepare(`UPDATE ${t} SET ${this.cols.map((c) => `${c} = ?`).join(', ')}, modified_ms = ?, body = ? WHERE id = ?`);
    this.remove = db.prepare(`DELETE FROM ${t} WHERE id = ?`);
    this.countAll = db.prepare(`SELECT COUNT(*) AS n FROM ${t}`);
  }

  async create(body: OpenAdrBody, atMs: number, ownerVenId: string | null = null): Promise<OpenAdrRecord> {
    const id = body['id'];
    if (typeof id !== 'string' || !OBJECT_ID.test(id)) this.fail('id', id);
    const values = this.columnValues(body);
    const json = this.serialise(body);
    const owner = this.spec.owner === undefined ? [] : [ownerVenId];
    // One transaction with what a subclass stores beside the row; the change goes out after it.
    const record = this.db.transaction(() => {
      this.run(() => this.insert.run(id, ...values, atMs, atMs, json, ...owner));
      const r: OpenAdrRecord = { id, createdMs: atMs, modifiedMs: atMs, body: JSON.parse(json) as OpenAdrBody, ...(this.spec.owner === undefined ? {} : { ownerVenId }) };
      this.afterCreate(r);
      return r;
    })();
    this.changed('POST', record);
    return record;
  }

  /** Runs inside create's transaction, after the insert: for what a subclass keeps beside the row. */
  protected afterCreate(_record: OpenAdrRecord): void {}

  /** Emits a change of this table's objects (after the write committed). */
  protected changed(operation: RegistryOperation, record: OpenAdrRecord): void {
    if (this.emit === undefined || this.spec.objectType === undefined) return;
    this.emit({ objectType: this.spec.objectType, operation, object: record.body, ownerVenId: record.ownerVenId ?? null });
  }

  async get(id: string): Promise<OpenAdrRecord | null> {
    return this.getNow(id);
  }

  /** get, synchronously (inside a transaction, for subclasses). */
  protected getNow(id: string): OpenAdrRecord | null {
    const row = this.selectOne.get(id) as Row | undefined;
    return row === undefined ? null : this.toRecord(row);
  }

  async list(filter: OpenAdrListFilter = {}): Promise<OpenAdrRecord[]> {
    const where: string[] = filter.includeHidden === true || this.spec.visibleWhere === undefined ? [] : [this.spec.visibleWhere];
    const args: unknown[] = [];
    for (const [col, value] of Object.entries(filter.columns ?? {})) {
      if (!this.cols.includes(col) && col !== this.spec.owner) throw new VppError('REGISTRY_QUERY_INVALID', `${this.spec.table}: no filter column ${col}`);
      where.push(`${col} = ?`);
      args.push(value);
    }
    if (filter.targetType !== undefined || filter.targetValues !== undefined) {
      const typeCond = filter.targetType === undefined ? '1' : "json_extract(t.value, '$.type') = ?";
      if (filter.targetType !== undefined) args.push(filter.targetType);
      const valueCond = filter.targetValues === undefined ? '1'
        : "EXISTS (SELECT 1 FROM json_each(t.value, '$.values') v WHERE v.value IN (SELECT value FROM json_each(?)))";
      if (filter.targetValues !== undefined) args.push(JSON.stringify(filter.targetValues));
      where.push(`EXISTS (SELECT 1 FROM ${TARGETS} t WHERE ${typeCond} AND ${valueCond})`);
    }
    if (filter.visibleToVen !== undefined) {
      where.push(`(NOT EXISTS (SELECT 1 FROM ${TARGETS} t WHERE json_extract(t.value, '$.type') IN ('VEN_NAME', 'GROUP'))
        OR EXISTS (SELECT 1 FROM ${TARGETS} t, json_each(t.value, '$.values') v WHERE json_extract(t.value, '$.type') = 'VEN_NAME' AND v.value = ?))`);
      args.push(filter.visibleToVen);
    }
    const skip = filter.skip ?? 0;
    const limit = filter.limit ?? -1;
    if (!Number.isInteger(skip) || skip < 0) this.fail('skip', skip);
    if (filter.limit !== undefined && (!Number.isInteger(limit) || limit < 0)) this.fail('limit', limit);
    const sql = `SELECT ${this.selected} FROM ${this.spec.table}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_ms, rowid LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...args, limit, skip) as Row[]).map((r) => this.toRecord(r));
  }

  async count(): Promise<number> {
    return (this.countAll.get() as { n: number }).n;
  }

  async update(id: string, body: OpenAdrBody, atMs: number): Promise<OpenAdrRecord | null> {
    if (body['id'] !== id) this.fail('id', body['id'], `must stay ${JSON.stringify(id)}`);
    const values = this.columnValues(body);
    const json = this.serialise(body);
    const result = this.run(() => this.replace.run(...values, atMs, json, id));
    const record = result.changes === 0 ? null : this.getNow(id);
    if (record !== null) this.changed('PUT', record);
    return record;
  }

  async delete(id: string): Promise<OpenAdrRecord | null> {
    const removed = this.db.transaction(() => {
      const before = this.getNow(id);
      if (before !== null) this.remove.run(id);
      return before;
    })();
    if (removed !== null) this.changed('DELETE', removed);
    return removed;
  }

  private columnValues(body: OpenAdrBody): (string | null)[] {
    return columnValuesOf(this.spec.columns, body, (field, v) => this.fail(field, v));
  }

  private serialise(body: OpenAdrBody): string {
    return serialiseBody(body, (v) => this.fail('(number)', v, 'must be finite'));
  }

  private run(fn: () => Database.RunResult): Database.RunResult {
    try {
      return fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new VppError('REGISTRY_CONFLICT', `${this.spec.table}: ${String((err as Error).message)}`, { cause: err });
      }
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new VppError('REGISTRY_REFERENCE', `${this.spec.table}: a referenced object does not exist`, { cause: err });
      }
      throw err;
    }
  }

  private toRecord(r: Row): OpenAdrRecord {
    let body: unknown;
    try {
      body = JSON.parse(r.body);
    } catch (err) {
      throw new VppError('REGISTRY_DATA_CORRUPT', `${this.file}: ${this.spec.table}.body of '${r.id}' is not JSON`, { cause: err });
    }
    const record: OpenAdrRecord = { id: r.id, createdMs: r.created_ms, modifiedMs: r.modified_ms, body: body as OpenAdrBody };
    return this.spec.owner === undefined ? record : { ...record, ownerVenId: r.owner ?? null };
  }

  protected fail(field: string, value: unknown, why = 'is missing or invalid'): never {
    throw new VppError('REGISTRY_OBJECT_INVALID', `${this.spec.kind}.${field} ${why}, got ${JSON.stringify(value) ?? String(value)}`);
  }
}
