import { VppError, type ModeChange, type ModeLog, type OperatingMode } from '../../../domain/index.js';
import { CLIENT_ROLES, checkNewClient, newClientId, type ClientRecord, type ClientRepository, type ClientRole, type NewClient, type NewClientInput } from '../../registry/clients.js';
import { parse, serialise, type EnrolmentRecord, type EnrolmentRepository, type OptOutRecord } from '../../registry/enrolments.js';
import { decoyHash, hashSecret, newSecret, verifySecret } from '../../registry/secrets.js';
import { checkModeChange } from '../../registry/modes.js';
import type { PgDb, Row } from './db.js';

/*
 * The registry's other repositories in PostgreSQL, each the same contract (and the same
 * errors) as its SQLite twin in src/store/registry.
 */


export class PgClientRepository implements ClientRepository {
  constructor(private readonly db: PgDb, private readonly nowMs: () => number) {}

  async add(input: NewClientInput): Promise<NewClient> {
    const siteId = checkNewClient(input);
    const clientId = newClientId(input.role);
    const clientSecret = newSecret();
    const createdAtMs = this.nowMs();
    await this.db.query('INSERT INTO clients (id, secret_hash, role, site_id, created_at_ms, disabled) VALUES ($1, $2, $3, $4, $5, 0)', [clientId, await hashSecret(clientSecret), input.role, siteId, createdAtMs]);
    return { clientId, clientSecret, role: input.role, siteId, createdAtMs, disabled: false };
  }

  async verify(clientId: string, clientSecret: string): Promise<ClientRecord | null> {
    const [row] = await this.db.query('SELECT * FROM clients WHERE id = $1', [clientId]);
    const ok = await verifySecret(clientSecret, (row?.['secret_hash'] as string | undefined) ?? (await decoyHash()));
    if (row === undefined || !ok) return null;
    const record = this.toRecord(row);
    return record.disabled ? null : record;
  }

  async get(clientId: string): Promise<ClientRecord | null> {
    const [row] = await this.db.query('SELECT * FROM clients WHERE id = $1', [clientId]);
    return row === undefined ? null : this.toRecord(row);
  }

  async list(): Promise<ClientRecord[]> {
    return (await this.db.query('SELECT * FROM clients ORDER BY created_at_ms, id')).map((r) => this.toRecord(r));
  }

  async disable(clientId: string): Promise<boolean> {
    return (await this.db.query('UPDATE clients SET disabled = 1 WHERE id = $1 RETURNING id', [clientId])).length > 0;
  }

  private toRecord(r: Row): ClientRecord {
    const role = String(r['role']);
    if (!(CLIENT_ROLES as readonly string[]).includes(role)) {
      throw new VppError('REGISTRY_DATA_CORRUPT', `${this.db.label}: clients.role of '${String(r['id'])}' is invalid, got ${JSON.stringify(role)}`);
    }
    return { clientId: String(r['id']), role: role as ClientRole, siteId: (r['site_id'] as string | null) ?? null, createdAtMs: Number(r['created_at_ms']), disabled: r['disabled'] === 1 };
  }
}

const MODES: readonly OperatingMode[] = ['auto', 'shadow', 'manual', 'off'];

export class PgModeLog implements ModeLog {
  constructor(private readonly db: PgDb) {}

  async append(change: ModeChange): Promise<void> {
    checkModeChange(change);
    await this.db.query('INSERT INTO mode_changes (site_id, asset_id, mode, manual_kw, who, why, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      change.siteId, change.assetId, change.mode, change.manualKw, change.who, change.why, change.atMs,
    ]);
  }

  async history(filter: { siteId?: string; limit?: number } = {}): Promise<ModeChange[]> {
    if (filter.limit !== undefined && !(Number.isInteger(filter.limit) && filter.limit > 0)) {
      throw new VppError('MODE_CHANGE_INVALID', `modeChange.limit must be a positive integer, got ${JSON.stringify(filter.limit)}`);
    }
    const rows = await this.db.query(
      `SELECT * FROM mode_changes ${filter.siteId !== undefined ? 'WHERE site_id = $2' : 'WHERE $2::text IS NULL'} ORDER BY at_ms DESC, id DESC LIMIT $1`,
      [filter.limit ?? null, filter.siteId ?? null],
    );
    return rows.map((r) => {
      const mode = String(r['mode']);
      if (!(MODES as readonly string[]).includes(mode)) throw new VppError('REGISTRY_DATA_CORRUPT', `${this.db.label}: mode_changes.mode is invalid, got ${JSON.stringify(mode)}`);
      return { siteId: String(r['site_id']), assetId: (r['asset_id'] as string | null) ?? null, mode: mode as OperatingMode, manualKw: (r['manual_kw'] as number | null) ?? null, who: String(r['who']), why: String(r['why']), atMs: Number(r['at_ms']) };
    });
  }
}

export class PgEnrolmentRepository implements EnrolmentRepository {
  constructor(private readonly db: PgDb) {}

  async put(programId: string, venId: string, body: Readonly<Record<string, unknown>>, atMs: number): Promise<{ record: EnrolmentRecord; created: boolean }> {
    const json = serialise('enrolment', body);
    // xmax = 0 only on a row this statement inserted.
    const [row] = await this.db.query(
      `INSERT INTO enrolments (program_id, ven_id, created_ms, modified_ms, body) VALUES ($1, $2, $3, $3, $4)
       ON CONFLICT (program_id, ven_id) DO UPDATE SET modified_ms = EXCLUDED.modified_ms, body = EXCLUDED.body
       RETURNING *, (xmax = 0) AS inserted`,
      [programId, venId, atMs, json],
    ).catch((err: unknown) => {
      if (err instanceof VppError && err.code === 'REGISTRY_REFERENCE') throw new VppError('REGISTRY_REFERENCE', 'a referenced program, event or ven does not exist', { cause: err });
      throw err;
    });
    return { record: this.toRecord(row as Row), created: (row as Row)['inserted'] === true };
  }

  async get(programId: string, venId: string): Promise<EnrolmentRecord | null> {
    const [row] = await this.db.query('SELECT * FROM enrolments WHERE program_id = $1 AND ven_id = $2', [programId, venId]);
    return row === undefined ? null : this.toRecord(row);
  }

  async list(filter: { readonly programId?: string; readonly venId?: string } = {}): Promise<EnrolmentRecord[]> {
    const rows = await this.db.query(
      'SELECT * FROM enrolments WHERE ($1::text IS NULL OR program_id = $1) AND ($2::text IS NULL OR ven_id = $2) ORDER BY created_ms, seq',
      [filter.programId ?? null, filter.venId ?? null],
    );
    return rows.map((r) => this.toRecord(r));
  }

  async delete(programId: string, venId: string): Promise<EnrolmentRecord | null> {
    const [row] = await this.db.query('DELETE FROM enrolments WHERE program_id = $1 AND ven_id = $2 RETURNING *', [programId, venId]);
    return row === undefined ? null : this.toRecord(row);
  }

  async optOut(eventId: string, venId: string, body: Readonly<Record<string, unknown>>, atMs: number): Promise<{ record: OptOutRecord; created: boolean }> {
    const json = serialise('optOut', body);
    return this.db.tx(async (q) => {
      const inserted = await q('INSERT INTO event_opt_outs (event_id, ven_id, at_ms, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING event_id', [eventId, venId, atMs, json]).catch((err: unknown) => {
        if (err instanceof VppError && err.code === 'REGISTRY_REFERENCE') throw new VppError('REGISTRY_REFERENCE', 'a referenced program, event or ven does not exist', { cause: err });
        throw err;
      });
      const [row] = await q('SELECT * FROM event_opt_outs WHERE event_id = $1 AND ven_id = $2', [eventId, venId]);
      return { record: this.toOptOut(row as Row), created: inserted.length > 0 };
    });
  }

  async optOuts(eventId?: string): Promise<OptOutRecord[]> {
    const rows = await this.db.query('SELECT * FROM event_opt_outs WHERE ($1::text IS NULL OR event_id = $1) ORDER BY at_ms, seq', [eventId ?? null]);
    return rows.map((r) => this.toOptOut(r));
  }

  private toRecord(r: Row): EnrolmentRecord {
    const [p, v] = [String(r['program_id']), String(r['ven_id'])];
    return { programId: p, venId: v, createdMs: Number(r['created_ms']), modifiedMs: Number(r['modified_ms']), body: parse(this.db.label, 'enrolments', `${p}/${v}`, String(r['body'])) };
  }

  private toOptOut(r: Row): OptOutRecord {
    const [e, v] = [String(r['event_id']), String(r['ven_id'])];
    return { eventId: e, venId: v, atMs: Number(r['at_ms']), body: parse(this.db.label, 'event_opt_outs', `${e}/${v}`, String(r['body'])) };
  }
}
