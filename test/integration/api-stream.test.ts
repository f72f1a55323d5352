import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp, type EventStatusChange, type SiteView } from '../../src/api/index.js';
import { throttlePerSite } from '../../src/api/routes/stream.js';
import type { Site, SiteState } from '../../src/domain/index.js';
import { openRegistry, openStore, type NewClient, type Registry, type TimeSeriesStore } from '../../src/store/index.js';

const NOW = Date.parse('2025-07-15T03:00:00Z');
const THROTTLE_MS = 300;
const site = (id: string): Site => ({ id, name: id, timezone: 'Asia/Shanghai', gridImportLimitKw: 800, assets: [] });
const state = (siteId: string, gridKw: number): SiteState => ({
  siteId,
  atMs: NOW,
  gridPowerKw: { value: gridKw, quality: 'good', atMs: NOW },
  flexibility: { decreaseKw: 0, decreaseDurationS: 0, increaseKw: 0, increaseDurationS: 0 },
  assets: {},
});

interface Frame {
  readonly event?: string;
  readonly data?: unknown;
  readonly retry?: number;
  readonly comment?: string;
  readonly atMs: number;
}

/** A real HTTP client reading text/event-stream; `next` awaits a matching frame (no sleeps). */
class SseClient {
  readonly frames: Frame[] = [];
  private readonly wake = new EventEmitter();
  private buffer = '';
  ended = false;
  private constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffer += chunk;
      let cut: number;
      while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
        this.parse(this.buffer.slice(0, cut));
        this.buffer = this.buffer.slice(cut + 2);
      }
    });
    res.on('end', () => {
      this.ended = true;
      this.wake.emit('change');
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => resolve(new SseClient(res))).on('error', reject);
    });
  }

  private parse(block: string): void {
    const f: { event?: string; data?: unknown; retry?: number; comment?: string; atMs: number } = { atMs: performance.now() };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) f.comment = line.slice(1).trim();
      else if (line.startsWith('event: ')) f.event = line.slice(7);
      else if (line.startsWith('data: ')) f.data = JSON.parse(line.slice(6)) as unknown;
      else if (line.startsWith('retry: ')) f.retry = Number(line.slice(7));
    }
    this.frames.push(f);
    this.wake.emit('change');
  }

  /** The first frame from index `from` on that matches; rejects after `timeoutMs` (a deadline, not a wait). */
  next(match: (f: Frame) => boolean, from = 0, timeoutMs = 5000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const f = this.frames.slice(from).find(match);
        if (f === undefined) return false;
        cleanup();
        resolve(f);
        return true;
      };
      const onEnd = () => {
        if (!check() && this.ended) {
          cleanup();
          reject(new Error('stream ended'));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.wake.off('change', onEnd);
      };
      if (!check()) this.wake.on('change', onEnd);
    });
  }

  ofSite(siteId: string, from = 0): Frame[] {
    return this.frames.slice(from).filter((f) => f.event === 'site' && (f.data as { id: string }).id === siteId);
  }

  close(): void {
    this.res.destroy();
  }
}

/** Polls `cond` until true or the deadline (for facts that raise no event, such as an unsubscribe). */
async function eventually(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setImmediate(r));
  }
}

let dir: string;
let store: TimeSeriesStore;
let registry: Registry;
let site1: NewClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-api-stream-'));
  store = await openStore({ kind: 'sqlite', dataDir: dir });
  registry = openRegistry({ dataDir: dir });
  site1 = await registry.clients.add({ role: 'site', siteId: 'plant-1' });
});
afterAll(async () => {
  await registry.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/stream over a real socket', () => {
  let app: FastifyInstance;
  let base: string;
  let states: Subject<SiteState>;
  let events: Subject<EventStatusChange>;
  let views: SiteView[];
  const clients: SseClient[] = [];
  const open = async (path: string, headers?: Record<string, string>) => {
    const c = await SseClient.open(`${base}${path}`, headers);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    states = new Subject<SiteState>();
    events = new Subject<EventStatusChange>();
    views = [{ site: site('plant-1'), state: null }, { site: site('plant-2'), state: null }];
    app = await buildApp(
      { version: 'test', sites: () => views, store, adapters: () => [], nowMs: () => NOW, registry, siteStates$: states, events$: events },
      { stream: { throttleMs: THROTTLE_MS, heartbeatMs: 200, retryMs: 1500 } },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await app.close();
  });

  it('sends the retry hint, a snapshot, then site views as the state stream changes', async () => {
    const c = await open('/api/v1/stream');
    expect(c.res.statusCode).toBe(200);
    expect(c.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect((await c.next((f) => f.retry !== undefined)).retry).toBe(1500);
    await c.next((f) => f.event === 'site' && (f.data as { id: string }).id === 'plant-2');
    expect(c.ofSite('plant-1')).toHaveLength(1);

    const s = state('plant-1', 612.5);
    views = [{ site: site('plant-1'), state: s }, views[1] as SiteView];
    const from = c.frames.length;
    states.next(s);
    const got = await c.next((f) => f.event === 'site', from);
    // The same JSON as GET /sites/{id}, read over HTTP too.
    const rest = (await (await fetch(`${base}/api/v1/sites/plant-1`)).json()) as unknown;
    expect(got.data).toEqual(rest);
    expect(got.data).toMatchObject({ id: 'plant-1', state: { gridPowerKw: { value: 612.5, quality: 'good' } } });
  });

  it('sends a site at most once per throttle window, the latest state last', async () => {
    const c = await open('/api/v1/stream?site=plant-1');
    await c.next((f) => f.event === 'site');
    const from = c.frames.length;
    for (const kw of [1, 2, 3]) states.next(state('plant-1', kw));
    const last = await c.next((f) => f.event === 'site' && (f.data as { state: { gridPowerKw: { value: number } } }).state.gridPowerKw.value === 3, from);
    const sent = c.ofSite('plant-1', from);
    expect(sent.map((f) => (f.data as { state: { gridPowerKw: { value: number } } }).state.gridPowerKw.value)).toEqual([1, 3]);
    expect(last.atMs - (sent[0] as Frame).atMs).toBeGreaterThanOrEqual(THROTTLE_MS - 20);
  });

  it('filters by ?site= for site views and event status', async () => {
    const c = await open('/api/v1/stream?site=plant-2');
    await c.next((f) => f.event === 'site');
    expect(c.ofSite('plant-1')).toHaveLength(0);
    const from = c.frames.length;
    states.next(state('plant-1', 100));
    events.next({ eventId: 'ev-1', status: 'active', atMs: NOW, siteIds: ['plant-1'] });
    states.next(state('plant-2', 200));
    events.next({ eventId: 'ev-2', status: 'cancelled', atMs: NOW + 1000, siteIds: ['plant-2'] });
    const ev = await c.next((f) => f.event === 'event-status', from);
    expect(ev.data).toEqual({ eventId: 'ev-2', status: 'cancelled', time: new Date(NOW + 1000).toISOString() });
    expect(c.ofSite('plant-1', from)).toHaveLength(0);
    expect(c.ofSite('plant-2', from)).toHaveLength(1);
    expect(c.frames.filter((f) => f.event === 'event-status')).toHaveLength(1);
  });

  it('sends heartbeats and every event status to an unfiltered client', async () => {
    const c = await open('/api/v1/stream');
    await c.next((f) => f.comment === 'heartbeat');
    events.next({ eventId: 'ev-1', status: 'pending', atMs: NOW });
    expect((await c.next((f) => f.event === 'event-status')).data).toMatchObject({ eventId: 'ev-1', status: 'pending' });
  });

  it('limits a site client to its own site, with the token as ?access_token=', async () => {
    const tok = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { grant_type: 'client_credentials', client_id: site1.clientId, client_secret: site1.clientSecret } });
    const token = (tok.json() as { access_token: string }).access_token;
    const c = await open(`/api/v1/stream?access_token=${token}`);
    await c.next((f) => f.event === 'site');
    const from = c.frames.length;
    states.next(state('plant-2', 5));
    states.next(state('plant-1', 7));
    await c.next((f) => f.event === 'site', from);
    expect(c.frames.filter((f) => f.event === 'site').map((f) => (f.data as { id: string }).id)).toEqual(['plant-1', 'plant-1']);

    const other = await open(`/api/v1/stream?site=plant-2&access_token=${token}`);
    expect(other.res.statusCode).toBe(403);
    const header = await open('/api/v1/stream?site=plant-2', { authorization: `Bearer ${token}` });
    expect(header.res.statusCode).toBe(403);
    const bad = await open('/api/v1/stream?access_token=nope');
    expect(bad.res.statusCode).toBe(401);
    expect((await open('/api/v1/stream?site=nope')).res.statusCode).toBe(404);
  });

  it('unsubscribes when a client disconnects', async () => {
    const c = await open('/api/v1/stream');
    await c.next((f) => f.event === 'site');
    expect(states.observed && events.observed).toBe(true);
    c.close();
    await eventually(() => !states.observed && !events.observed);
  });

  it('closes cleanly with a client connected, leaving no timers behind', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const baseline = timers();
    const c = await open('/api/v1/stream');
    await c.next((f) => f.comment === 'heartbeat');
    // The client's next() deadline is cleared once it resolves: what remains is the heartbeat interval.
    expect(timers()).toBeGreaterThan(baseline);
    const ended = new Promise<void>((resolve) => c.res.on('end', resolve));
    const t0 = performance.now();
    await app.close();
    await ended;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(states.observed || events.observed).toBe(false);
    expect(timers()).toBeLessThanOrEqual(baseline);
  });
});

describe('throttlePerSite', () => {
  it('passes the first state of each site at once and the latest per window', async () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable, expectSubscriptions }) => {
      const s = { a: state('p1', 1), b: state('p1', 2), c: state('p1', 3), x: state('p2', 9) };
      // p1: a at 0 ms opens a 10 ms window; b (2 ms) and c (8 ms) fall in it, the latest (c) leaves
      // when it ends at 10 ms. p2's first state (x, 1 ms) passes at once: sites do not share windows.
      const src = cold('a x b 5ms c 20ms |', s);
      expectObservable(src.pipe(throttlePerSite(10))).toBe('ax 8ms c 18ms |', s);
      expectSubscriptions(src.subscriptions).toBe('^ 28ms !');
    });
  });
});
