import { randomUUID } from 'node:crypto';
import { VppError } from '../../../domain/index.js';
import type { DispatchLog, DispatchRecord } from '../../registry/dispatch-log.js';
import { parse, serialise } from '../../registry/enrolments.js';
import type { NewWebhookDelivery, WebhookDelivery, WebhookOutbox } from '../../registry/webhook-outbox.js';
import type { PgDb, Row } from './db.js';

/* The dispatch log and the webhook outbox in PostgreSQL: the same contracts as their SQLite twins. */

export class PgDispatchLog implements DispatchLog {
  constructor(private readonly db: PgDb) {}

  async append(record: Omit<DispatchRecord, 'seq'>): Promise<DispatchRecord> {
    const json = serialise('dispatch record', record.body);
    const [row] = await this.db.query('INSERT INTO event_dispatch (event_id, site_id, kind, at_ms, body) VALUES ($1, $2, $3, $4, $5) RETURNING seq', [
      record.eventId, record.siteId, record.kind, Math.round(record.atMs), json,
    ]).catch((err: unknown) => {
      if (err instanceof VppError && err.code === 'REGISTRY_REFERENCE') throw new VppError('REGISTRY_REFERENCE', 'a referenced program, event or ven does not exist', { cause: err });
      throw err;
    });
    return { ...record, seq: Number(row?.['seq']), body: JSON.parse(json) as DispatchRecord['body'] };
  }

  async list(eventId: string): Promise<DispatchRecord[]> {
    const rows = await this.db.query('SELECT * FROM event_dispatch WHERE event_id = $1 ORDER BY seq', [eventId]);
    return rows.map((r) => ({
      seq: Number(r['seq']),
      eventId: String(r['event_id']),
      siteId: (r['site_id'] as string | null) ?? null,
      kind: r['kind'] as DispatchRecord['kind'],
      atMs: Number(r['at_ms']),
      body: parse(this.db.label, 'event_dispatch', String(r['seq']), String(r['body'])),
    }));
  }
}

const MAX_ERROR_CHARS = 500;

export class PgWebhookOutbox implements WebhookOutbox {
  constructor(private readonly db: PgDb) {}

  async enqueue(items: readonly NewWebhookDelivery[], atMs: number): Promise<WebhookDelivery[]> {
    return this.db.tx(async (q) => {
      const out: WebhookDelivery[] = [];
      for (const it of items) {
        const rows = await q(
          `INSERT INTO webhook_outbox (delivery_id, subscription_id, callback_url, bearer_token, body, attempts, next_attempt_ms, created_ms)
           VALUES ($1, $2, $3, $4, $5, 0, $6, $6) RETURNING *`,
          [randomUUID(), it.subscriptionId, it.callbackUrl, it.bearerToken, it.body, atMs],
        ).catch((err: unknown) => {
          if (err instanceof VppError && err.code === 'REGISTRY_REFERENCE') {
            throw new VppError('REGISTRY_REFERENCE', `${this.db.label}: webhook_outbox: no subscription ${JSON.stringify(it.subscriptionId)}`, { cause: err });
          }
          throw err;
        });
        out.push(toDelivery(rows[0] as Row));
      }
      return out;
    });
  }

  async head(callbackUrl: string): Promise<WebhookDelivery | null> {
    const [row] = await this.db.query('SELECT * FROM webhook_outbox WHERE callback_url = $1 ORDER BY seq LIMIT 1', [callbackUrl]);
    return row === undefined ? null : toDelivery(row);
  }

  async urls(): Promise<string[]> {
    return (await this.db.query('SELECT DISTINCT callback_url AS url FROM webhook_outbox ORDER BY callback_url')).map((r) => String(r['url']));
  }

  async retryAt(seq: number, attempts: number, nextAttemptMs: number, error: string): Promise<void> {
    await this.db.query('UPDATE webhook_outbox SET attempts = $1, next_attempt_ms = $2, last_error = $3 WHERE seq = $4', [attempts, nextAttemptMs, error.slice(0, MAX_ERROR_CHARS), seq]);
  }

  async remove(seq: number): Promise<void> {
    await this.db.query('DELETE FROM webhook_outbox WHERE seq = $1', [seq]);
  }

  async count(): Promise<number> {
    return Number((await this.db.query('SELECT COUNT(*)::int AS n FROM webhook_outbox'))[0]?.['n'] ?? 0);
  }
}

function toDelivery(r: Row): WebhookDelivery {
  return {
    seq: Number(r['seq']),
    deliveryId: String(r['delivery_id']),
    subscriptionId: String(r['subscription_id']),
    callbackUrl: String(r['callback_url']),
    bearerToken: (r['bearer_token'] as string | null) ?? null,
    body: String(r['body']),
    attempts: Number(r['attempts']),
    nextAttemptMs: Number(r['next_attempt_ms']),
    createdMs: Number(r['created_ms']),
    lastError: (r['last_error'] as string | null) ?? null,
  };
}
