import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { VppError } from '../../domain/index.js';
import { decoyHash, hashSecret, newSecret, verifySecret } from './secrets.js';

export const CLIENT_ROLES = ['operator', 'site', 'viewer'] as const;
/** operator = the grid operator / business logic (OpenADR BL); site = one VEN; viewer = read-only. */
export type ClientRole = (typeof CLIENT_ROLES)[number];

/** An API client as stored; never carries the secret. */
export interface ClientRecord {
  readonly clientId: string;
  readonly role: ClientRole;
  /** The site a `site` client is bound to; null for the other roles. */
  readonly siteId: string | null;
  readonly createdAtMs: number;
  readonly disabled: boolean;
}

/** What `add` returns: the record plus the plain secret, which exists nowhere else afterwards. */
export interface NewClient extends ClientRecord {
  readonly clientSecret: string;
}

export interface NewClientInput {
  readonly role: ClientRole;
  readonly siteId?: string | null;
}

export interface ClientRepository {
  add(input: NewClientInput): Promise<NewClient>;
  /** The client when the id exists, is enabled and the secret matches; otherwise null. */
  verify(clientId: string, clientSecret: string): Promise<ClientRecord | null>;
  get(clientId: string): Promise<ClientRecord | null>;
  list(): Promise<ClientRecord[]>;
  /** Returns false when there is no such client. Tokens it holds stop working at their next use. */
  disable(clientId: string): Promise<boolean>;
}

const ID_PREFIX: Readonly<Record<ClientRole, string>> = { operator: 'op_', site: 'site_', viewer: 'view_' };
const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

interface ClientRow {
  id: string;
  secret_hash: string;
  role: string;
  site_id: string | null;
  created_at_ms: number;
  disabled: number;
}

/** Checks a new client's role and site (the same rules on every backend); returns its site id or null. */
export function checkNewClient(input: NewClientInput): string | null {
  const role: unknown = input.role;
  if (!(CLIENT_ROLES as readonly unknown[]).includes(role)) {
    throw new VppError('CLIENT_INVALID', `client.role must be one of ${CLIENT_ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  }
  const siteId = input.siteId ?? null;
  if (input.role === 'site' && siteId === null) throw new VppError('CLIENT_INVALID', "client.siteId is required for role 'site', got none");
  if (input.role !== 'site' && siteId !== null) {
    throw new VppError('CLIENT_INVALID', `client.siteId is only for role 'site', got ${JSON.stringify(siteId)} with role '${input.role}'`);
  }
  if (siteId !== null && !SITE_ID.test(siteId)) {
    throw new VppError('CLIENT_INVALID', `client.siteId must be 1..128 of A-Z a-z 0-9 . _ - starting with a letter or digit, got ${JSON.stringify(siteId)}`);
  }
  return siteId;
}

export function newClientId(role: ClientRole): string {
  return `${ID_PREFIX[role]}${randomBytes(12).toString('hex')}`;
}

export class SqliteClientRepository implements ClientRepository {
  private readonly insert: Database.Statement;
  private readonly selectOne: Database.Statement;
  private readonly selectAll: Database.Statement;
  private readonly setDisabled: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly file: string,
    private readonly nowMs: () => number,
  ) {
    this.insert = db.prepare('INSERT INTO clients (id, secret_hash, role, site_id, created_at_ms, disabled) VALUES (?, ?, ?, ?, ?, 0)');
    this.selectOne = db.prepare('SELECT id, secret_hash, role, site_id, created_at_ms, disabled FROM clients WHERE id = ?');
    this.selectAll = db.prepare('SELECT id, secret_hash, role, site_id, created_at_ms, disabled FROM clients ORDER BY created_at_ms, id');
    this.setDisabled = db.prepare('UPDATE clients SET disabled = 1 WHERE id = ?');
  }

  async add(input: NewClientInput): Promise<NewClient> {
    const siteId = checkNewClient(input);
    const clientId = newClientId(input.role);
    const clientSecret = newSecret();
    const createdAtMs = this.nowMs();
    this.insert.run(clientId, await hashSecret(clientSecret), input.role, siteId, createdAtMs);
    return { clientId, clientSecret, role: input.role, siteId, createdAtMs, disabled: false };
  }

  async verify(clientId: string, clientSecret: string): Promise<ClientRecord | null> {
    const row = this.row(clientId);
    // Unknown ids cost the same hash as known ones, so response time does not reveal which exist.
    const ok = await verifySecret(clientSecret, row?.secret_hash ?? (await decoyHash()));
    if (row === undefined || !ok) return null;
    const record = this.toRecord(row);
    return record.disabled ? null : record;
  }

  async get(clientId: string): Promise<ClientRecord | null> {
    const row = this.row(clientId);
    return row === undefined ? null : this.toRecord(row);
  }

  async list(): Promise<ClientRecord[]> {
    return (this.selectAll.all() as ClientRow[]).map((r) => this.toRecord(r));
  }

  async disable(clientId: string): Promise<boolean> {
    return this.setDisabled.run(clientId).changes > 0;
  }

  private row(clientId: string): ClientRow | undefined {
    return this.selectOne.get(clientId) as ClientRow | undefined;
  }

  private toRecord(r: ClientRow): ClientRecord {
    if (!(CLIENT_ROLES as readonly string[]).includes(r.role)) {
      throw new VppError('REGISTRY_DATA_CORRUPT', `${this.file}: clients.role of '${r.id}' is invalid, got ${JSON.stringify(r.role)}`);
    }
    return { clientId: r.id, role: r.role as ClientRole, siteId: r.site_id, createdAtMs: r.created_at_ms, disabled: r.disabled === 1 };
  }
}
