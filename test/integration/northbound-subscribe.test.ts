/**
 * North-bound subscriptions: the VEN subscribes to the utility VTN's programs (a second
 * instance of our server, with its webhook notifier running) and a notification makes it poll
 * at once. The VEN's poll period is an hour, so only the notification can bring the new event
 * in within the test's timeout. Real sockets on loopback; the real clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/index.js';
import { formatDateTime } from '../../src/events/index.js';
import { localId, startVenClient, type VenClient } from '../../src/runtime/northbound/index.js';
import { silentLogger } from '../../src/runtime/index.js';
import { startNotifier, type Notifier } from '../../src/runtime/notifier.js';
import { openRegistry, openStore, seedVens, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import { OTHER_SITE, OWN_SITE } from '../helpers/openadr-api.js';

const VEN_NAME = 'acme-vpp';
const dir = mkdtempSync(join(tmpdir(), 'vpp-nb-subscribe-'));
let upRegistry: Registry;
let upStore: TimeSeriesStore;
let localRegistry: Registry;
let localStore: TimeSeriesStore;
let vtn: FastifyInstance;
let notifier: Notifier;
let ven: VenClient;
let vtnUrl = '';
let bearer = '';
let programID = '';

const asOperator = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(`${vtnUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as unknown };
};

beforeAll(async () => {
  upRegistry = openRegistry({ dataDir: join(dir, 'utility') });
  upStore = await openStore({ kind: 'sqlite', dataDir: join(dir, 'utility') });
  localRegistry = openRegistry({ dataDir: join(dir, 'local') });
  localStore = await openStore({ kind: 'sqlite', dataDir: join(dir, 'local') });
  await seedVens(upRegistry, [{ ...OWN_SITE, id: VEN_NAME }]);
  await seedVens(localRegistry, [OWN_SITE, OTHER_SITE]);
  vtn = await buildApp({ version: 'utility', sites: () => [], store: upStore, adapters: () => [], nowMs: Date.now, registry: upRegistry });
  vtnUrl = `${await vtn.listen({ host: '127.0.0.1', port: 0 })}/api/v1`;
  notifier = startNotifier({ registry: upRegistry, log: silentLogger(), baseDelayMs: 100, maxDelayMs: 1000 });
  const operator = await upRegistry.clients.add({ role: 'operator' });
  const venCredential = await upRegistry.clients.add({ role: 'site', siteId: VEN_NAME });
  const res = await fetch(`${vtnUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: operator.clientId, client_secret: operator.clientSecret }) });
  bearer = ((await res.json()) as { access_token: string }).access_token;
  const program = await asOperator('POST', '/programs', { programName: 'utility-flex' });
  expect(program.status).toBe(201);
  programID = (program.json as { id: string }).id;

  ven = startVenClient({
    config: {
      vtnUrl, tokenUrl: `${vtnUrl}/auth/token`, clientId: venCredential.clientId, clientSecret: venCredential.clientSecret, venName: VEN_NAME,
      pollS: 3600, timeoutS: 10, programNames: null, siteIds: [OWN_SITE.id, OTHER_SITE.id],
      subscribe: { listenHost: '127.0.0.1', listenPort: 0, callbackUrl: null },
    },
    registry: localRegistry, store: localStore, sites: () => [OWN_SITE, OTHER_SITE], log: silentLogger(),
  });
}, 60_000);

afterAll(async () => {
  await ven?.stop();
  await notifier?.stop();
  await vtn?.close();
  await upRegistry?.close();
  await localRegistry?.close();
  await upStore?.close();
  await localStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('north-bound VEN with subscribe:', () => {
  it('subscribes to each mirrored program once, and a notification brings a new event in at once', async () => {
    await ven.pollOnce();
    const subs = await asOperator('GET', `/subscriptions?programID=${programID}`);
    expect(subs.status).toBe(200);
    const list = subs.json as Array<{ clientName: string; objectOperations: Array<{ callbackUrl: string; objects: string[] }> }>;
    expect(list).toHaveLength(1);
    expect(list[0]?.clientName).toBe(VEN_NAME);
    const callbackUrl = list[0]?.objectOperations[0]?.callbackUrl ?? '';
    expect(callbackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/northbound\/notify$/);
    expect(list[0]?.objectOperations[0]?.objects).toEqual(['PROGRAM', 'EVENT']);

    // Without the bearer token the VTN was given, the callback refuses.
    expect((await fetch(callbackUrl, { method: 'POST', body: '{}' })).status).toBe(401);

    await ven.pollOnce();
    expect(((await asOperator('GET', `/subscriptions?programID=${programID}`)).json as unknown[]).length).toBe(1);

    const created = firstValueFrom(ven.polls$.pipe(filter((p) => (p.mirror?.created.length ?? 0) > 0), timeout(60_000)));
    const event = await asOperator('POST', '/events', {
      programID,
      targets: [{ type: 'VEN_NAME', values: [VEN_NAME] }],
      intervalPeriod: { start: formatDateTime(Date.now() + 3_600_000), duration: 'PT1H' },
      intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [300] }] }],
    });
    expect(event.status).toBe(201);
    const poll = await created;
    const id = localId((event.json as { id: string }).id);
    expect(poll.mirror?.created).toEqual([id]);
    expect(await localRegistry.events.get(id)).not.toBeNull();
    expect(ven.stats().polls).toBeLessThan(10); // notifications, not the hourly timer
  }, 90_000);
});
