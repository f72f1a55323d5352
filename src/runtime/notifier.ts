import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry, RegistryChange, WebhookDelivery } from '../store/index.js';
import type { Logger } from './logger.js';
import { deliveriesFor } from './notifier-match.js';
import { SIGNATURE_HEADER, signWebhook } from './notifier-signature.js';

export interface NotifierOptions {
  readonly registry: Pick<Registry, 'changes$' | 'subscriptions' | 'webhooks' | 'vens'>;
  readonly log: Logger;
  /** Attempts per delivery before it is given up; default 8. */
  readonly maxAttempts?: number;
  /** Wait after the first failed attempt, doubled after each further one; default 1000 ms. */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts (also caps Retry-After); default 300 000 ms. */
  readonly maxDelayMs?: number;
  /** Each wait is scaled by a random factor in 1 ± jitter, so receivers that failed together do not retry together; default 0.2. */
  readonly jitter?: number;
  /** Per request; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Wall clock; default Date.now. */
  readonly nowMs?: () => number;
  /** 0 <= x < 1; default Math.random. */
  readonly random?: () => number;
}

/** For metrics: counters since start, and the outbox's length now. */
export interface NotifierStats {
  readonly delivered: number;
  /** Given up: a 4xx other than 408/429, or maxAttempts used. */
  readonly failed: number;
  /** Failed attempts that were scheduled again. */
  readonly retries: number;
  /** Deliveries waiting in the outbox (due or backing off). */
  readonly queueLength: number;
}

export interface Notifier {
  stats(): NotifierStats;
  /** Resolves when no delivery is in flight or waiting to be retried. */
  idle(): Promise<void>;
  /** Stops sending; what is undelivered stays in the outbox for the next start. */
  stop(): Promise<void>;
}

type Outcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'give-up'; readonly error: string }
  | { readonly kind: 'retry'; readonly error: string; readonly retryAfterMs?: number };

/**
 * Webhooks for OpenADR subscriptions. Each registry change is matched against the
 * subscriptions (notifier-match.ts) and the notifications are written to the outbox in the
 * same tick, so a restart resumes what was not delivered. One worker per callback URL sends
 * its deliveries oldest first and does not move on until the head is delivered or given up,
 * so one URL's notifications arrive in order. Each request is a POST of the notification JSON
 * with `Authorization: Bearer <bearerToken>` when the subscription gave one, X-VPP-Signature
 * (HMAC-SHA256, notifier-signature.ts) and X-VPP-Delivery (a unique id: a retry after a lost
 * answer may repeat a delivery). 2xx: delivered; 4xx except 408 and 429: given up; anything
 * else (5xx, 408, 429, 3xx, network errors, timeouts): retried after baseDelayMs × 2^(n-1)
 * (± jitter, at least Retry-After, at most maxDelayMs) until maxAttempts.
 */
export function startNotifier(options: NotifierOptions): Notifier {
  const { registry, log } = options;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 300_000;
  const jitter = options.jitter ?? 0.2;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const nowMs = options.nowMs ?? Date.now;
  const random = options.random ?? Math.random;
  const counters = { delivered: 0, failed: 0, retries: 0 };
  const stopping = new AbortController();
  const running = new Set<string>();
  const tasks = new Set<Promise<void>>();

  let queueLength = 0;
  const recount = (): Promise<void> => registry.webhooks.count().then((n) => void (queueLength = n), () => undefined);

  // Changes are queued one after another, in the order the registry made them.
  let queued: Promise<void> = Promise.resolve();
  function onChange(change: RegistryChange): void {
    // Another controller's write: that controller notifies (a shared registry would send it twice).
    if (change.remote === true) return;
    const task = (queued = queued.then(() => enqueue(change)));
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  }

  async function enqueue(change: RegistryChange): Promise<void> {
    // Runs after the registry's emit, right after a write: never rejects.
    try {
      const subscriptions = await registry.subscriptions.list();
      const venNames = new Map<string, string | undefined>();
      for (const sub of subscriptions) {
        const venId = sub.ownerVenId;
        if (venId == null || venNames.has(venId)) continue;
        const name = (await registry.vens.get(venId))?.body['venName'];
        venNames.set(venId, typeof name === 'string' ? name : undefined);
      }
      const matched = deliveriesFor(change, subscriptions, (venId) => venNames.get(venId));
      if (matched.length === 0) return;
      const rows = await registry.webhooks.enqueue(
        matched.map((m) => ({ subscriptionId: m.subscriptionId, callbackUrl: m.callbackUrl, bearerToken: m.bearerToken, body: JSON.stringify(m.notification) })),
        nowMs(),
      );
      await recount();
      for (const url of new Set(rows.map((r) => r.callbackUrl))) kick(url);
    } catch (err) {
      log.error({ err, objectType: change.objectType, operation: change.operation, id: change.object['id'] }, 'webhook notifications not queued');
    }
  }

  function kick(url: string): void {
    if (running.has(url) || stopping.signal.aborted) return;
    running.add(url); // before drain runs, which removes it synchronously once the URL has nothing left
    const task = drain(url).catch((err: unknown) => log.error({ err, url }, 'webhook worker failed'));
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  }

  async function drain(url: string): Promise<void> {
    try {
      for (;;) {
        if (stopping.signal.aborted) return;
        const d = await registry.webhooks.head(url);
        if (d === null) return;
        const waitMs = d.nextAttemptMs - nowMs();
        if (waitMs > 0) {
          if (!(await pause(waitMs))) return;
          continue;
        }
        const outcome = await attempt(d);
        if (outcome.kind === 'aborted') return;
        await settle(d, outcome);
        await recount();
      }
    } finally {
      running.delete(url);
    }
  }

  async function pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: stopping.signal });
      return true;
    } catch {
      return false;
    }
  }

  async function settle(d: WebhookDelivery, outcome: Outcome): Promise<void> {
    const attempts = d.attempts + 1;
    const where = { url: d.callbackUrl, subscription: d.subscriptionId, delivery: d.deliveryId, attempts };
    if (outcome.kind === 'delivered') {
      await registry.webhooks.remove(d.seq);
      counters.delivered += 1;
      return;
    }
    if (outcome.kind === 'aborted') return;
    if (outcome.kind === 'give-up' || attempts >= maxAttempts) {
      await registry.webhooks.remove(d.seq);
      counters.failed += 1;
      log.warn({ ...where, error: outcome.error }, 'webhook delivery given up');
      return;
    }
    const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1)) * (1 + jitter * (2 * random() - 1));
    const delay = Math.min(maxDelayMs, Math.max(backoff, outcome.kind === 'retry' ? (outcome.retryAfterMs ?? 0) : 0));
    await registry.webhooks.retryAt(d.seq, attempts, nowMs() + Math.round(delay), outcome.error);
    counters.retries += 1;
    log.info({ ...where, error: outcome.error, retryInMs: Math.round(delay) }, 'webhook delivery failed; will retry');
  }

  async function attempt(d: WebhookDelivery): Promise<Outcome> {
    const secret = await registry.subscriptions.signingSecret(d.subscriptionId);
    if (secret === null) return { kind: 'give-up', error: `subscription ${d.subscriptionId} has no signing secret` };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'vpp-webhooks',
      [SIGNATURE_HEADER]: signWebhook(secret, d.body, Math.floor(nowMs() / 1000)),
      'X-VPP-Delivery': d.deliveryId,
      'X-VPP-Subscription': d.subscriptionId,
      ...(d.bearerToken === null ? {} : { authorization: `Bearer ${d.bearerToken}` }),
    };
    try {
      const res = await fetch(d.callbackUrl, {
        method: 'POST',
        headers,
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => undefined); // frees the connection for the next delivery
      if (res.status >= 200 && res.status < 300) return { kind: 'delivered' };
      const error = `HTTP ${res.status}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return { kind: 'give-up', error };
      const retryAfterS = Number(res.headers.get('retry-after'));
      return { kind: 'retry', error, ...(Number.isFinite(retryAfterS) && retryAfterS > 0 ? { retryAfterMs: retryAfterS * 1000 } : {}) };
    } catch (err) {
      if (stopping.signal.aborted) return { kind: 'aborted' };
      const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
      return { kind: 'retry', error: `${(err as Error).message}${cause?.code !== undefined ? ` (${String(cause.code)})` : ''}` };
    }
  }

  const subscription = registry.changes$.subscribe({ next: onChange });
  // Resume what an earlier run left in the outbox.
  const resume = registry.webhooks
    .urls()
    .then(async (urls) => {
      for (const url of urls) kick(url);
      await recount();
    })
    .catch((err: unknown) => log.error({ err }, 'webhook outbox not resumed'));
  tasks.add(resume);
  void resume.finally(() => tasks.delete(resume));

  return {
    stats: () => ({ ...counters, queueLength }),
    idle: async () => {
      while (tasks.size > 0) await Promise.allSettled([...tasks]);
    },
    stop: async () => {
      subscription.unsubscribe();
      stopping.abort();
      await Promise.allSettled([...tasks]);
    },
  };
}
