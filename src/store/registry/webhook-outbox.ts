import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { VppError } from '../../domain/index.js';

/** A notification waiting to be POSTed to a subscription's callbackUrl. */
export interface WebhookDelivery {
  /** Enqueue order: deliveries to one URL go out in this order. */
  readonly seq: number;
  /** Unique, sent as X-VPP-Delivery so a receiver can drop a retried duplicate. */
  readonly deliveryId: string;
  readonly subscriptionId: string;
  readonly callbackUrl: string;
  readonly bearerToken: string | null;
  /** The notification JSON, exactly the bytes sent (and signed). */
  readonly body: string;
  /** Attempts made so far. */
  readonly attempts: number;
  readonly nextAttemptMs: number;
  readonly createdMs: number;
  readonly lastError: string | null;
}

export interface NewWebhookDelivery {
  readonly subscriptionId: string;
  readonly callbackUrl: string;
  readonly bearerToken: string | null;
  readonly body: string;
}

/** The persistent queue of webhook deliveries (registry migration 3). */
export interface WebhookOutbox {
  /** Adds deliveries, all or none, due at `atMs`. */
  enqueue(items: readonly NewWebhookDelivery[], atMs: number): Promise<WebhookDelivery[]>;
  /** The oldest delivery to `callbackUrl`, due or not; null when none is left. */
  head(callbackUrl: string): Promise<WebhookDelivery | null>;
  /** URLs with deliveries waiting. */
  urls(): Promise<string[]>;
  /** Records a failed attempt and when to try again. */
  retryAt(seq: number, attempts: number, nextAttemptMs: number, error: string): Promise<void>;
  /** Removes a delivery (delivered, or given up). */
  remove(seq: number): Promise<void>;
  count(): Promise<number>;
}

interface Row {
  seq: number;
  delivery_id: string;
  subscription_id: string;
  callback_url: string;
  bearer_token: string | null;
  body: string;
  attempts: number;
  next_attempt_ms: number;
  created_ms: number;
  last_error: string | null;
}

const COLUMNS = 'seq, delivery_id, subscription_id, callback_url, bearer_token, body, attempts, next_attempt_ms, created_ms, last_error';
const MAX_ERROR_CHARS = 500;

export class SqliteWebhookOutbox implements WebhookOutbox {
  private readonly insert: Database.Statement;
  private readonly selectHead: Database.Statement;
  private readonly selectOne: Database.Statement;
  private readonly selectUrls: Database.Statement;
  private readonly setRetry: Database.Statement;
  private readonly removeOne: Database.Statement;
  private readonly countAll: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {
    this.insert = db.prepare(`INSERT INTO webhook_outbox (delivery_id, subscription_id, callback_url, bearer_token, body, attempts, next_attempt_ms, created_ms)
      VALUES (?, ?, ?, ?, ?, 0, ?, ?)`);
    this.selectHead = db.prepare(`SELECT ${COLUMNS} FROM webhook_outbox WHERE callback_url = ? ORDER BY seq LIMIT 1`);
    this.selectOne = db.prepare(`SELECT ${COLUMNS} FROM webhook_outbox WHERE seq = ?`);
    this.selectUrls = db.prepare('SELECT DISTINCT callback_url AS url FROM webhook_outbox ORDER BY callback_url');
    this.setRetry = db.prepare('UPDATE webhook_outbox SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE seq = ?');
    this.removeOne = db.prepare('DELETE FROM webhook_outbox WHERE seq = ?');
    this.countAll = db.prepare('SELECT COUNT(*) AS n FROM webhook_outbox');
  }

  async enqueue(items: readonly NewWebhookDelivery[], atMs: number): Promise<WebhookDelivery[]> {
    return this.db.transaction(() =>
      items.map((it) => {
        try {
          const seq = Number(this.insert.run(randomUUID(), it.subscriptionId, it.callbackUrl, it.bearerToken, it.body, atMs, atMs).lastInsertRowid);
          return this.toDelivery(this.selectOne.get(seq) as Row);
        } catch (err) {
          if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
            throw new VppError('REGISTRY_REFERENCE', `${this.file}: webhook_outbox: no subscription ${JSON.stringify(it.subscriptionId)}`, { cause: err });
          }
          throw err;
        }
      }),
    )();
  }

  async head(callbackUrl: string): Promise<WebhookDelivery | null> {
    const row = this.selectHead.get(callbackUrl) as Row | undefined;
    return row === undefined ? null : this.toDelivery(row);
  }

  async urls(): Promise<string[]> {
    return (this.selectUrls.all() as { url: string }[]).map((r) => r.url);
  }

  async retryAt(seq: number, attempts: number, nextAttemptMs: number, error: string): Promise<void> {
    this.setRetry.run(attempts, nextAttemptMs, error.slice(0, MAX_ERROR_CHARS), seq);
  }

  async remove(seq: number): Promise<void> {
    this.removeOne.run(seq);
  }

  async count(): Promise<number> {
    return (this.countAll.get() as { n: number }).n;
  }

  private toDelivery(r: Row): WebhookDelivery {
    return {
      seq: r.seq,
      deliveryId: r.delivery_id,
      subscriptionId: r.subscription_id,
      callbackUrl: r.callback_url,
      bearerToken: r.bearer_token,
      body: r.body,
      attempts: r.attempts,
      nextAttemptMs: r.next_attempt_ms,
      createdMs: r.created_ms,
      lastError: r.last_error,
    };
  }
}
