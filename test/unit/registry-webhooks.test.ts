import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry, seedVens, type Registry, type RegistryChange } from '../../src/store/index.js';
import { OWN_SITE } from '../helpers/openadr-api.js';

/** Reports, subscriptions, signing secrets, the webhook outbox and the change feed on a real SQLite file. */
let dir: string;
let registry: Registry;
const AT = Date.parse('2025-07-15T03:00:00Z');
const iso = '2025-07-15T03:00:00Z';
const sub = (id: string, url = 'http://127.0.0.1:1/hook') => ({
  id, objectType: 'SUBSCRIPTION', createdDateTime: iso, clientName: OWN_SITE.id, programID: 'p1',
  objectOperations: [{ objects: ['EVENT'], operations: ['CREATE'], callbackUrl: url }],
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-registry-webhooks-'));
  registry = openRegistry({ dataDir: dir });
  await seedVens(registry, [OWN_SITE], AT);
  await registry.programs.create({ id: 'p1', objectType: 'PROGRAM', createdDateTime: iso, programName: 'peak' }, AT);
  await registry.events.create({ id: 'e1', objectType: 'EVENT', createdDateTime: iso, programID: 'p1', intervals: [] }, AT);
});
afterEach(async () => {
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reports and subscriptions', () => {
  it('keep their owner, filter on it, and survive a reopen with the signing secret', async () => {
    await registry.reports.create({ id: 'r1', objectType: 'REPORT', createdDateTime: iso, programID: 'p1', eventID: 'e1', clientName: OWN_SITE.id, resources: [] }, AT, OWN_SITE.id);
    await registry.subscriptions.create(sub('s1'), AT, OWN_SITE.id);
    await registry.subscriptions.create(sub('s2'), AT + 1, null);
    const secret = (await registry.subscriptions.signingSecret('s1'));
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(await registry.subscriptions.signingSecret('s2')).not.toBe(secret);

    await registry.close();
    registry = openRegistry({ dataDir: dir });
    expect((await registry.reports.get('r1'))?.ownerVenId).toBe(OWN_SITE.id);
    expect((await registry.subscriptions.list({ columns: { ven_id: OWN_SITE.id } })).map((r) => r.id)).toEqual(['s1']);
    expect((await registry.subscriptions.get('s2'))?.ownerVenId).toBeNull();
    expect(await registry.subscriptions.signingSecret('s1')).toBe(secret);
  });

  it('refuses a report on an unknown event and stores nothing', async () => {
    await expect(registry.reports.create({ id: 'r1', objectType: 'REPORT', programID: 'p1', eventID: 'nope', clientName: 'x', resources: [] }, AT, null)).rejects.toThrow(/referenced object/);
    expect(await registry.reports.count()).toBe(0);
  });

  it('a subscription whose row cannot be written leaves no secret behind', async () => {
    await registry.subscriptions.create(sub('s1'), AT, null);
    await expect(registry.subscriptions.create({ ...sub('s1'), clientName: 'again' }, AT, null)).rejects.toThrow();
    await expect(registry.subscriptions.create({ ...sub('s3'), programID: 'nope' }, AT, null)).rejects.toThrow();
    expect(await registry.subscriptions.signingSecret('s3')).toBeNull();
    expect(await registry.subscriptions.count()).toBe(1);
  });
});

describe('webhook outbox', () => {
  it('hands out one URL in enqueue order, records retries, survives a reopen, and goes with its subscription', async () => {
    await registry.subscriptions.create(sub('s1'), AT, null);
    await registry.subscriptions.create(sub('s2'), AT, null);
    const rows = (await registry.webhooks.enqueue(
      [
        { subscriptionId: 's1', callbackUrl: 'http://a/1', bearerToken: 'tok', body: '{"n":1}' },
        { subscriptionId: 's2', callbackUrl: 'http://b/1', bearerToken: null, body: '{"n":2}' },
        { subscriptionId: 's1', callbackUrl: 'http://a/1', bearerToken: 'tok', body: '{"n":3}' },
      ],
      AT,
    ));
    expect(new Set(rows.map((r) => r.deliveryId)).size).toBe(3);
    expect(await registry.webhooks.urls()).toEqual(['http://a/1', 'http://b/1']);
    const head = (await registry.webhooks.head('http://a/1'));
    expect(head).toMatchObject({ body: '{"n":1}', bearerToken: 'tok', attempts: 0, nextAttemptMs: AT });
    await registry.webhooks.retryAt(head?.seq ?? -1, 1, AT + 1000, 'HTTP 503');

    await registry.close();
    registry = openRegistry({ dataDir: dir });
    expect(await registry.webhooks.head('http://a/1')).toMatchObject({ body: '{"n":1}', attempts: 1, nextAttemptMs: AT + 1000, lastError: 'HTTP 503' });
    await registry.webhooks.remove((await registry.webhooks.head('http://a/1'))?.seq ?? -1);
    expect((await registry.webhooks.head('http://a/1'))?.body).toBe('{"n":3}');
    await registry.subscriptions.delete('s1');
    expect(await registry.webhooks.head('http://a/1')).toBeNull();
    expect(await registry.webhooks.count()).toBe(1);
  });

  it('refuses a delivery for an unknown subscription, all or nothing', async () => {
    await registry.subscriptions.create(sub('s1'), AT, null);
    await expect(registry.webhooks.enqueue([
      { subscriptionId: 's1', callbackUrl: 'http://a/1', bearerToken: null, body: '{}' },
      { subscriptionId: 'nope', callbackUrl: 'http://a/1', bearerToken: null, body: '{}' },
    ], AT)).rejects.toThrow(/no subscription/);
    expect(await registry.webhooks.count()).toBe(0);
  });
});

describe('change feed', () => {
  it('emits after each committed write, not for refused ones, and completes on close', async () => {
    const seen: RegistryChange[] = [];
    let completed = false;
    registry.changes$.subscribe({ next: (c) => seen.push(c), complete: () => (completed = true) });
    await registry.subscriptions.create(sub('s1'), AT, OWN_SITE.id);
    await expect(registry.subscriptions.create(sub('s1'), AT, null)).rejects.toThrow();
    await registry.events.cancel('e1', AT + 5);
    await registry.programs.update('p1', { id: 'p1', objectType: 'PROGRAM', programName: 'peak2' }, AT + 6);
    await registry.subscriptions.delete('s1');
    expect(seen.map((c) => [c.objectType, c.operation, c.object['id'], c.ownerVenId])).toEqual([
      ['SUBSCRIPTION', 'POST', 's1', OWN_SITE.id],
      ['EVENT', 'DELETE', 'e1', null],
      ['PROGRAM', 'PUT', 'p1', null],
      ['SUBSCRIPTION', 'DELETE', 's1', OWN_SITE.id],
    ]);
    await registry.close();
    expect(completed).toBe(true);
  });
});
