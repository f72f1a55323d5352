import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/runtime/logger.js';
import { startNotifier, type Notifier } from '../../src/runtime/notifier.js';
import { verifyWebhook } from '../../src/runtime/notifier-signature.js';
import { openRegistry } from '../../src/store/index.js';
import { expectOpenAdr } from '../helpers/openadr.js';
import { eventBody, OTHER_SITE, OWN_SITE, openAdrApi, reportBody, subscriptionBody, type OpenAdrApi } from '../helpers/openadr-api.js';

/**
 * Subscriptions' webhooks end to end: the real app and registry, the notifier, and a real
 * HTTP receiver on a loopback port. Short back-off (20 ms, no jitter) keeps retries quick; every
 * wait is on a request actually arriving, never on a clock.
 */
interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
type Answer = number | 'hang';

interface Receiver {
  readonly url: string;
  readonly got: Received[];
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

async function receiver(answer: (r: Received, n: number) => Answer): Promise<Receiver> {
  const got: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      got.push(r);
      const status = answer(r, got.length);
      if (status === 'hang') hanging.push(res);
      else res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      for (const w of waiters.filter((x) => got.length >= x.n)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    waitFor: (n) => (got.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The receiver's side, written from the README, not with our signing code. */
function signatureValid(secret: string, r: Received): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['x-vpp-signature']));
  if (m === null) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest('hex');
  return m[2] === expected && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
}

const notification = (r: Received): Record<string, unknown> => JSON.parse(r.body) as Record<string, unknown>;
const FAST = { baseDelayMs: 20, jitter: 0 } as const;

describe('webhook notifications', () => {
  let t: OpenAdrApi;
  let programId: string;
  const open: { notifiers: Notifier[]; receivers: Receiver[] } = { notifiers: [], receivers: [] };
  beforeAll(async () => {
    t = await openAdrApi(Date.now()); // signatures carry wall-clock time; the app's clock agrees
    const p = await t.call('operator', 'POST', '/api/v1/programs', { programName: 'webhooks' });
    programId = (p.json() as { id: string }).id;
  }, 60_000);
  afterEach(async () => {
    for (const n of open.notifiers.splice(0)) await n.stop();
    for (const r of open.receivers.splice(0)) await r.close();
    for (const s of (await t.registry.subscriptions.list())) (await t.registry.subscriptions.delete(s.id));
  });
  afterAll(async () => {
    await t.close();
  });

  /** A receiver, subscribed by `who`, and (unless one runs already) the notifier. */
  async function setUp(answer: (r: Received, n: number) => Answer, who: 'own' | 'operator' = 'own', options: { readonly maxAttempts?: number } = {}) {
    const rx = await receiver(answer);
    open.receivers.push(rx);
    const notifier = open.notifiers[0] ?? startNotifier({ registry: t.registry, log: silentLogger(), ...FAST, ...options });
    if (open.notifiers.length === 0) open.notifiers.push(notifier);
    const res = await t.call(who, 'POST', '/api/v1/subscriptions', subscriptionBody(programId, rx.url));
    expect(res.statusCode, res.body).toBe(201);
    const secret = (res.json() as { signingSecret: string }).signingSecret;
    return { rx, notifier, secret };
  }

  async function newEvent(target: string, name: string): Promise<Record<string, unknown>> {
    const res = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId, { eventName: name, targets: [{ type: 'VEN_NAME', values: [target] }] }));
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Record<string, unknown>;
  }

  it('POSTs a signed OpenADR notification of a new event to the subscriber', async () => {
    const { rx, notifier, secret } = await setUp(() => 200);
    const ev = await newEvent(OWN_SITE.id, 'signed');
    await rx.waitFor(1);
    const [r] = rx.got;
    if (r === undefined) throw new Error('no request');
    const n = notification(r);
    expectOpenAdr('notification', n);
    expect(n).toEqual({ objectType: 'EVENT', operation: 'POST', object: ev, targets: ev.targets });
    expect(r.path).toBe('/hook');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers.authorization).toBe('Bearer receiver-token');
    expect(r.headers['x-vpp-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(signatureValid(secret, r)).toBe(true);
    expect(verifyWebhook(secret, String(r.headers['x-vpp-signature']), r.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(signatureValid(secret, { ...r, body: r.body.replace('signed', 'forged') })).toBe(false);
    expect(signatureValid('whsec_wrong', r)).toBe(false);
    await notifier.idle();
    expect(notifier.stats()).toEqual({ delivered: 1, failed: 0, retries: 0, queueLength: 0 });
  }, 60_000);

  it('retries a receiver that answers 500 twice, then delivers on the third attempt, in order', async () => {
    const { rx, notifier, secret } = await setUp((_r, n) => (n <= 2 ? 500 : 200));
    const first = await newEvent(OWN_SITE.id, 'first');
    const second = await newEvent(OWN_SITE.id, 'second'); // queued behind the first, which is failing
    await rx.waitFor(4);
    await notifier.idle();
    const names = rx.got.map((r) => (notification(r).object as { eventName: string }).eventName);
    expect(names).toEqual(['first', 'first', 'first', 'second']);
    expect(new Set(rx.got.slice(0, 3).map((r) => r.headers['x-vpp-delivery'])).size).toBe(1); // one delivery, three attempts
    expect(rx.got.every((r) => signatureValid(secret, r))).toBe(true);
    expect(notification(rx.got[2] as Received).object).toEqual(first);
    expect(notification(rx.got[3] as Received).object).toEqual(second);
    expect(notifier.stats()).toEqual({ delivered: 2, failed: 0, retries: 2, queueLength: 0 });
  }, 60_000);

  it('gives up at once on a 4xx other than 408/429, and after maxAttempts on 5xx', async () => {
    const { rx, notifier } = await setUp((r) => (notification(r).object as { eventName: string }).eventName === 'refused' ? 410 : 503, 'own', { maxAttempts: 3 });
    await newEvent(OWN_SITE.id, 'refused');
    await newEvent(OWN_SITE.id, 'unavailable');
    await rx.waitFor(4);
    await notifier.idle();
    expect(rx.got.map((r) => (notification(r).object as { eventName: string }).eventName)).toEqual(['refused', 'unavailable', 'unavailable', 'unavailable']);
    expect(notifier.stats()).toEqual({ delivered: 0, failed: 2, retries: 2, queueLength: 0 });
  }, 60_000);

  it("never tells a site's subscription of another site's event", async () => {
    const { rx, notifier } = await setUp(() => 200);
    const { rx: opsRx } = await setUp(() => 200, 'operator');
    await newEvent(OTHER_SITE.id, 'for plant-2');
    const mine = await newEvent(OWN_SITE.id, 'for plant-1');
    // One URL's deliveries arrive in order: had plant-2's event been queued for plant-1, it would come first.
    await rx.waitFor(1);
    await opsRx.waitFor(2);
    await notifier.idle();
    expect(rx.got.map((r) => notification(r).object)).toEqual([mine]);
    expect(opsRx.got.map((r) => (notification(r).object as { eventName: string }).eventName)).toEqual(['for plant-2', 'for plant-1']);
  }, 60_000);
});

describe('webhook notifications of reports', () => {
  it("tells the operator's subscription of a site's report; the other site's subscription hears nothing", async () => {
    const t = await openAdrApi(Date.now());
    const ops = await receiver(() => 200);
    const otherRx = await receiver(() => 200);
    const notifier = startNotifier({ registry: t.registry, log: silentLogger(), ...FAST });
    try {
      const p = await t.call('operator', 'POST', '/api/v1/programs', { programName: 'reports' });
      const programId = (p.json() as { id: string }).id;
      const onReports = (url: string, clientName: string) => subscriptionBody(programId, url, { clientName, objectOperations: [{ objects: ['REPORT', 'EVENT'], operations: ['CREATE'], callbackUrl: url }] });
      const s = await t.call('operator', 'POST', '/api/v1/subscriptions', onReports(ops.url, 'ops'));
      const secret = (s.json() as { signingSecret: string }).signingSecret;
      expect((await t.call('other', 'POST', '/api/v1/subscriptions', onReports(otherRx.url, OTHER_SITE.id))).statusCode).toBe(201);
      const ev = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId));
      const report = await t.call('own', 'POST', '/api/v1/reports', reportBody(programId, (ev.json() as { id: string }).id));
      expect(report.statusCode, report.body).toBe(201);
      const evOther = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId, { targets: [{ type: 'VEN_NAME', values: [OTHER_SITE.id] }] }));
      await ops.waitFor(3);
      await otherRx.waitFor(1); // its own event, which comes after plant-1's event and report: those were never queued for it
      await notifier.idle();
      const [, r] = ops.got as [Received, Received];
      expectOpenAdr('notification', notification(r));
      expect(notification(r)).toEqual({ objectType: 'REPORT', operation: 'POST', object: report.json() });
      expect(signatureValid(secret, r)).toBe(true);
      expect(otherRx.got.map((x) => notification(x).object)).toEqual([evOther.json()]);
    } finally {
      await notifier.stop();
      await ops.close();
      await otherRx.close();
      await t.close();
    }
  }, 90_000);
});

describe('webhook outbox across a restart', () => {
  it('a delivery in flight when the notifier stops is sent by the next one, after the registry reopens', async () => {
    const t = await openAdrApi(Date.now());
    let hang = true;
    const rx = await receiver(() => (hang ? 'hang' : 200));
    try {
      const p = await t.call('operator', 'POST', '/api/v1/programs', { programName: 'restart' });
      const programId = (p.json() as { id: string }).id;
      const first = startNotifier({ registry: t.registry, log: silentLogger(), ...FAST });
      const s = await t.call('own', 'POST', '/api/v1/subscriptions', subscriptionBody(programId, rx.url));
      const secret = (s.json() as { signingSecret: string }).signingSecret;
      const ev = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId));
      await rx.waitFor(1);
      await first.stop(); // "crash" while the receiver has not answered
      expect(await t.registry.webhooks.count()).toBe(1);
      const file = t.registry.file;
      await t.app.close();
      await t.registry.close();

      hang = false;
      const registry = openRegistry({ file });
      try {
        expect(await registry.webhooks.count()).toBe(1);
        const second = startNotifier({ registry, log: silentLogger(), ...FAST });
        await rx.waitFor(2);
        await second.idle();
        const [before, after] = rx.got as [Received, Received];
        expect(after.headers['x-vpp-delivery']).toBe(before.headers['x-vpp-delivery']);
        expect(notification(after)).toMatchObject({ objectType: 'EVENT', operation: 'POST', object: ev.json() as object });
        expect(signatureValid(secret, after)).toBe(true);
        expect(second.stats()).toEqual({ delivered: 1, failed: 0, retries: 0, queueLength: 0 });
        await second.stop();
      } finally {
        await registry.close();
      }
    } finally {
      await rx.close();
      await t.close();
    }
  }, 90_000);
});
