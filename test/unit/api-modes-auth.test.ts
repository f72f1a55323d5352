import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/index.js';
import type { Site } from '../../src/domain/index.js';
import { createModeTable } from '../../src/runtime/index.js';
import { openRegistry, openStore, type NewClient, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import { MODE_SITE } from '../helpers/mode-app.js';

/**
 * The mode routes as the app wires them: behind the real bearer-token guard, recorded in the
 * real registry, so `who` is the authenticated client and a kill switch survives a restart.
 */
const OTHER: Site = { ...MODE_SITE, id: 'plant-2', name: 'Plant 2' };
const T0 = Date.parse('2025-07-15T03:00:00Z');

let dir: string;
let registry: Registry;
let store: TimeSeriesStore;
let app: FastifyInstance;
const clients: Record<'operator' | 'viewer' | 'own' | 'other', NewClient | undefined> = { operator: undefined, viewer: undefined, own: undefined, other: undefined };
const tokens: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-modes-auth-'));
  registry = openRegistry({ dataDir: dir });
  store = await openStore({ kind: 'sqlite', dataDir: dir });
  clients.operator = await registry.clients.add({ role: 'operator' });
  clients.viewer = await registry.clients.add({ role: 'viewer' });
  clients.own = await registry.clients.add({ role: 'site', siteId: MODE_SITE.id });
  clients.other = await registry.clients.add({ role: 'site', siteId: OTHER.id });
  const modes = (await createModeTable([MODE_SITE, OTHER], registry.modes));
  app = await buildApp({ version: 'test', sites: () => [], store, adapters: () => [], nowMs: () => T0, registry, modes });
  for (const [name, c] of Object.entries(clients)) {
    if (c === undefined) continue;
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret } });
    expect(res.statusCode, name).toBe(200);
    tokens[name] = (res.json() as { access_token: string }).access_token;
  }
}, 60_000);

afterAll(async () => {
  await app?.close();
  await registry?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (who: string | null, url: string, body: unknown) =>
  app.inject({ method: 'PUT', url, payload: body as object, headers: who === null ? {} : { authorization: `Bearer ${tokens[who] ?? ''}` } });

describe('mode routes behind the auth guard', () => {
  const shadow = { mode: 'shadow', reason: 'commissioning' };

  it.each([
    [null, 401],
    ['viewer', 403],
    ['other', 403],
  ])('PUT a site mode as %s answers %i problem+json and records nothing', async (who, status) => {
    const res = await put(who, `/api/v1/sites/${MODE_SITE.id}/mode`, shadow);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await registry.modes.history({ siteId: MODE_SITE.id })).toEqual([]);
  });

  it('a site client sets its own site; the change records its client id and reason', async () => {
    const res = await put('own', `/api/v1/sites/${MODE_SITE.id}/assets/bess/mode`, shadow);
    expect(res.statusCode).toBe(200);
    const [last] = (await registry.modes.history({ siteId: MODE_SITE.id }));
    expect(last).toMatchObject({ assetId: 'bess', mode: 'shadow', who: clients.own?.clientId, why: 'commissioning' });
  });

  it('an operator hits the kill switch; a new controller built on the reopened registry starts with it', async () => {
    const res = await put('operator', `/api/v1/sites/${OTHER.id}/mode`, { mode: 'off', reason: 'transformer maintenance' });
    expect(res.statusCode).toBe(200);
    await registry.close();
    registry = openRegistry({ dataDir: dir });
    const table = (await createModeTable([MODE_SITE, OTHER], registry.modes));
    expect(table.effective(OTHER.id, 'bess').mode).toBe('off');
    expect(table.effective(MODE_SITE.id, 'bess').mode).toBe('shadow');
    expect((await registry.modes.history({ siteId: OTHER.id }))[0]?.who).toBe(clients.operator?.clientId);
  });
});
