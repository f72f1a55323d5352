import type Database from 'better-sqlite3';
import { VppError } from '../../domain/index.js';
import type { OpenAdrBody } from './openadr-table.js';

/**
 * Enrolments (which site takes part in which programme, with the limits it agreed to) and
 * opt-outs (a site declining one event before it starts). OpenADR 3 has objects for neither:
 * these are our extension, kept as validated JSON bodies like the OpenADR tables. The API
 * validates a body (schema, then src/events parseEnrolment) before it gets here.
 */
export interface EnrolmentRecord {
  readonly programId: string;
  readonly venId: string;
  readonly createdMs: number;
  readonly modifiedMs: number;
  /** The enrolment as src/events parseEnrolment reads it. */
  readonly body: OpenAdrBody;
}

export interface OptOutRecord {
  readonly eventId: string;
  readonly venId: string;
  readonly atMs: number;
  /** `{siteId, atMs, reason?}`: the domain OptOut. */
  readonly body: OpenAdrBody;
}

export interface EnrolmentRepository {
  /** Creates or replaces the (program, ven) enrolment; `created` says which. REGISTRY_REFERENCE when either is unknown. */
  put(programId: string, venId: string, body: OpenAdrBody, atMs: number): Promise<{ record: EnrolmentRecord; created: boolean }>;
  get(programId: string, venId: string): Promise<EnrolmentRecord | null>;
  /** Oldest first; filtered by programme and/or ven. */
  list(filter?: { readonly programId?: string; readonly venId?: string }): Promise<EnrolmentRecord[]>;
  delete(programId: string, venId: string): Promise<EnrolmentRecord | null>;
  /** Records a ven's opt-out of an event; a second one is kept as the first (`created` false). */
  optOut(eventId: string, venId: string, body: OpenAdrBody, atMs: number): Promise<{ record: OptOutRecord; created: boolean }>;
  /** Opt-outs, oldest first; of one event when given. */
  optOuts(eventId?: string): Promise<OptOutRecord[]>;
}

interface EnrolmentRow { program_id: string; ven_id: string; created_ms: number; modified_ms: number; body: string }
interface OptOutRow { event_id: string; ven_id: string; at_ms: number; body: string }

export class SqliteEnrolmentRepository implements EnrolmentRepository {
  private readonly selectOne: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly replace: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly insertOptOut: Database.Statement;
  private readonly selectOptOut: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {
    this.selectOne = db.prepare('SELECT * FROM enrolments WHERE program_id = ? AND ven_id = ?');
    this.insert = db.prepare('INSERT INTO enrolments (program_id, ven_id, created_ms, modified_ms, body) VALUES (?, ?, ?, ?, ?)');
    this.replace = db.prepare('UPDATE enrolments SET modified_ms = ?, body = ? WHERE program_id = ? AND ven_id = ?');
    this.remove = db.prepare('DELETE FROM enrolments WHERE program_id = ? AND ven_id = ?');
    this.insertOptOut = db.prepare('INSERT OR IGNORE INTO event_opt_outs (event_id, ven_id, at_ms, body) VALUES (?, ?, ?, ?)');
    this.selectOptOut = db.prepare('SELECT * FROM event_opt_outs WHERE event_id = ? AND ven_id = ?');
  }

  async put(programId: string, venId: string, body: OpenAdrBody, atMs: number): Promise<{ record: EnrolmentRecord; created: boolean }> {
    const json = serialise('enrolment', body);
    return this.db.transaction(() => {
      const before = this.selectOne.get(programId, venId) as EnrolmentRow | undefined;
      run(() => (before === undefined ? this.insert.run(programId, venId, atMs, atMs, json) : this.replace.run(atMs, json, programId, venId)));
      return { record: this.toRecord(this.selectOne.get(programId, venId) as EnrolmentRow), created: before === undefined };
    })();
  }

  async get(programId: string, venId: string): Promise<EnrolmentRecord | null> {
    return this.getNow(programId, venId);
  }

  private getNow(programId: string, venId: string): EnrolmentRecord | null {
    const row = this.selectOne.get(programId, venId) as EnrolmentRow | undefined;
    return row === undefined ? null : this.toRecord(row);
  }

  async list(filter: { readonly programId?: string; readonly venId?: string } = {}): Promise<EnrolmentRecord[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.programId !== undefined) {
      where.push('program_id = ?');
      args.push(filter.programId);
    }
    if (filter.venId !== undefined) {
      where.push('ven_id = ?');
      args.push(filter.venId);
    }
    const sql = `SELECT * FROM enrolments${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_ms, rowid`;
    return (this.db.prepare(sql).all(...args) as EnrolmentRow[]).map((r) => this.toRecord(r));
  }

  async delete(programId: string, venId: string): Promise<EnrolmentRecord | null> {
    return this.db.transaction(() => {
      const before = this.getNow(programId, venId);
      if (before !== null) this.remove.run(programId, venId);
      return before;
    })();
  }

  async optOut(eventId: string, venId: string, body: OpenAdrBody, atMs: number): Promise<{ record: OptOutRecord; created: boolean }> {
    const json = serialise('optOut', body);
    const changes = run(() => this.insertOptOut.run(eventId, venId, atMs, json)).changes;
    return { record: this.toOptOut(this.selectOptOut.get(eventId, venId) as OptOutRow), created: changes > 0 };
  }

  async optOuts(eventId?: string): Promise<OptOutRecord[]> {
    const rows = eventId === undefined
      ? this.db.prepare('SELECT * FROM event_opt_outs ORDER BY at_ms, rowid').all()
      : this.db.prepare('SELECT * FROM event_opt_outs WHERE event_id = ? ORDER BY at_ms, rowid').all(eventId);
    return (rows as OptOutRow[]).map((r) => this.toOptOut(r));
  }

  private toRecord(r: EnrolmentRow): EnrolmentRecord {
    return { programId: r.program_id, venId: r.ven_id, createdMs: r.created_ms, modifiedMs: r.modified_ms, body: parse(this.file, 'enrolments', `${r.program_id}/${r.ven_id}`, r.body) };
  }

  private toOptOut(r: OptOutRow): OptOutRecord {
    return { eventId: r.event_id, venId: r.ven_id, atMs: r.at_ms, body: parse(this.file, 'event_opt_outs', `${r.event_id}/${r.ven_id}`, r.body) };
  }
}

/** JSON of a body; NaN and Infinity (which JSON.stringify writes as null) are refused, not stored changed. */
export function serialise(kind: string, body: unknown): string {
  return JSON.stringify(body, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new VppError('REGISTRY_OBJECT_INVALID', `${kind}: numbers must be finite, got ${String(v)}`);
    return v;
  });
}

export function parse(file: string, table: string, key: string, json: string): OpenAdrBody {
  try {
    return JSON.parse(json) as OpenAdrBody;
  } catch (err) {
    throw new VppError('REGISTRY_DATA_CORRUPT', `${file}: ${table}.body of '${key}' is not JSON`, { cause: err });
  }
}

export function run(fn: () => Database.RunResult): Database.RunResult {
  try {
    return fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new VppError('REGISTRY_REFERENCE', 'a referenced program, event or ven does not exist', { cause: err });
    throw err;
  }
}
