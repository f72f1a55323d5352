import type Database from 'better-sqlite3';
import type { OpenAdrBody } from './openadr-table.js';
import { parse, run, serialise } from './enrolments.js';

/**
 * The audit trail of how the controller dispatched each DR event: every allocation of a group
 * shed and every re-allocation (src/events AllocationRecord), every site an enrolment limit
 * refused or clipped, and each site's baseline. Append-only: a change is a new record.
 */
export const DISPATCH_KINDS = ['allocation', 'reallocation', 'refusal', 'clip', 'baseline'] as const;
export type DispatchKind = (typeof DISPATCH_KINDS)[number];

export interface DispatchRecord {
  readonly seq: number;
  readonly eventId: string;
  /** The site concerned (refusal, clip, baseline); null for a group allocation. */
  readonly siteId: string | null;
  readonly kind: DispatchKind;
  readonly atMs: number;
  readonly body: OpenAdrBody;
}

export interface DispatchLog {
  /** Appends a record; REGISTRY_REFERENCE when the event does not exist. */
  append(record: Omit<DispatchRecord, 'seq'>): Promise<DispatchRecord>;
  /** Oldest first. */
  list(eventId: string): Promise<DispatchRecord[]>;
}

interface Row { seq: number; event_id: string; site_id: string | null; kind: DispatchKind; at_ms: number; body: string }

export class SqliteDispatchLog implements DispatchLog {
  private readonly insert: Database.Statement;
  private readonly byEvent: Database.Statement;

  constructor(db: Database.Database, private readonly file: string) {
    this.insert = db.prepare('INSERT INTO event_dispatch (event_id, site_id, kind, at_ms, body) VALUES (?, ?, ?, ?, ?)');
    this.byEvent = db.prepare('SELECT * FROM event_dispatch WHERE event_id = ? ORDER BY seq');
  }

  async append(record: Omit<DispatchRecord, 'seq'>): Promise<DispatchRecord> {
    const json = serialise('dispatch record', record.body);
    const seq = Number(run(() => this.insert.run(record.eventId, record.siteId, record.kind, Math.round(record.atMs), json)).lastInsertRowid);
    return { ...record, seq, body: JSON.parse(json) as OpenAdrBody };
  }

  async list(eventId: string): Promise<DispatchRecord[]> {
    return (this.byEvent.all(eventId) as Row[]).map((r) => ({
      seq: r.seq,
      eventId: r.event_id,
      siteId: r.site_id,
      kind: r.kind,
      atMs: r.at_ms,
      body: parse(this.file, 'event_dispatch', String(r.seq), r.body),
    }));
  }
}
