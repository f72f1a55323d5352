import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type from 'typebox';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp, type SiteView } from '../../src/api/index.js';
import { paramOf, requireScope, requireSiteAccess } from '../../src/api/auth/index.js';
import { openRegistry, openStore, type NewClient, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import type { Site } from '../../src/domain/index.js';

const T0 = Date.parse('2025-07-15T03:00:00Z');
const site = (id: string): Site => ({ id, name: id, timezone: 'Asia/Shanghai', gridImportLimitKw: 800, assets: [] });
const views: SiteView[] = [{ site: site('plant-1'), state: null }, { site: site('plant-2'), state: null }];

// Secrets are hashed with scrypt: make the clients once for the whole file.
let dir: string;
let registry: Registry;
let store: TimeSeriesStore;
let operator: NewClient;
let viewer: NewClient;
let site1: NewClient;
let site2: NewClient;
let retired: NewClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-auth-'));
  registry = openRegistry({ dataDir: dir });
  store = await openStore({ kind: 'sqlite', dataDir: dir });
  operator = await registry.clients.add({ role: 'operator' });
  viewer = await registry.clients.add({ role: 'viewer' });
  site1 = await registry.clients.add({ role: 'site', siteId: 'plant-1' });
  site2 = await registry.clients.add({ role: 'site', siteId: 'plant-2' });
  retired = await registry.clients.add({ role: 'operator' });
});
afterAll(async () => {
  await registry.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let nowMs: number;
let app: FastifyInstance;

beforeEach(async () => {
  nowMs = T0;
  app = await buildApp({ version: 'test', sites: () => views, store, adapters: () => [], nowMs: () => nowMs, registry });
  // Protected routes of the kinds later resources add: declared scope, explicit guards, undeclared write.
  await app.register(
    async (api) => {
      const ok = async (req: { principal: { clientId: string } | null }) => ({ by: req.principal?.clientId ?? null });
      api.post('/sites/:siteId/things', { config: { scope: 'write_vens' } }, ok);
      api.post('/reports/:ven', { onRequest: [requireScope('write_reports'), requireSiteAccess(paramOf('ven'))] }, ok);
      api.post('/undeclared', ok);
      api.post('/strict', { config: { scope: 'write_programs' }, schema: { body: Type.Object({ name: Type.String() }) } }, ok);
    },
    { prefix: '/api/v1/test' },
  );
});
afterEach(async () => {
  await app.close();
});

const form = (fields: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/api/v1/auth/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});
const creds = (c: NewClient) => ({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret });

async function tokenOf(c: NewClient): Promise<string> {
  const res = await app.inject(form(creds(c)));
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { access_token: string }).access_token;
}

describe('POST /api/v1/auth/token', () => {
  it('issues a bearer token for form and JSON bodies with the role\'s OpenADR scopes', async () => {
    const res = await app.inject(form(creds(operator)));
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'read_all write_programs write_events write_subscriptions write_vens',
    });
    const json = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: creds(site1) });
    expect(json.statusCode).toBe(200);
    expect(json.json().scope).toBe('read_all write_reports write_subscriptions write_vens');
    const v = await app.inject(form(creds(viewer)));
    expect(v.json().scope).toBe('read_all');
  });

  it('accepts HTTP Basic client authentication and a narrower requested scope', async () => {
    const basic = Buffer.from(`${encodeURIComponent(site1.clientId)}:${encodeURIComponent(site1.clientSecret)}`).toString('base64');
    const res = await app.inject({ ...form({ grant_type: 'client_credentials', scope: 'write_reports read_all' }), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().scope).toBe('read_all write_reports');
    const wider = await app.inject(form({ ...creds(viewer), scope: 'write_programs' }));
    expect(wider.statusCode).toBe(400);
    expect(wider.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('answers RFC 6749 errors: invalid_client 401, unsupported_grant_type and invalid_request 400', async () => {
    const wrong = await app.inject(form({ ...creds(operator), client_secret: viewer.clientSecret }));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['content-type']).toMatch(/^application\/json/);
    expect(wrong.json()).toMatchObject({ error: 'invalid_client' });
    expect((await app.inject(form({ ...creds(operator), client_id: 'op_nobody' }))).json()).toMatchObject({ error: 'invalid_client' });
    expect((await app.inject(form(creds(retired)))).statusCode).toBe(200);

    const grant = await app.inject(form({ ...creds(operator), grant_type: 'password' }));
    expect(grant.statusCode).toBe(400);
    expect(grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const missing = await app.inject(form({ grant_type: 'client_credentials', client_id: operator.clientId }));
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('client_secret') });
    const twice = await app.inject({ ...form(creds(operator)), payload: `${new URLSearchParams(creds(operator)).toString()}&client_id=x` });
    expect(twice.json()).toMatchObject({ error: 'invalid_request', error_description: 'parameter client_id is repeated' });
  });

  it('rate-limits failed logins per client id: the 6th try within a minute is 429 with Retry-After', async () => {
    for (let i = 0; i < 5; i++) expect((await app.inject(form({ ...creds(viewer), client_secret: `guess-${i}` }))).statusCode).toBe(401);
    const blocked = await app.inject(form(creds(viewer)));
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(blocked.headers['retry-after']).toBe('12');
    expect(blocked.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    nowMs += 12_000;
    expect((await app.inject(form(creds(viewer)))).statusCode).toBe(200);
  });

  it('counts parallel wrong guesses before their hashes are checked', async () => {
    const tries = await Promise.all(Array.from({ length: 8 }, (_, i) => app.inject(form({ ...creds(viewer), client_secret: `guess-${i}` }))));
    expect(tries.map((r) => r.statusCode).sort()).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
  });

  it('does not charge successful logins', async () => {
    for (let i = 0; i < 7; i++) expect((await app.inject(form(creds(viewer)))).statusCode).toBe(200);
  });

  it('rate-limits failed logins per IP across client ids', async () => {
    for (let i = 0; i < 5; i++) expect((await app.inject(form({ ...creds(operator), client_id: `op_guess${i}` }))).statusCode).toBe(401);
    const res = await app.inject(form(creds(site2)));
    expect(res.statusCode).toBe(429);
    const other = await app.inject({ ...form(creds(site2)), remoteAddress: '127.0.0.2' });
    expect(other.statusCode).toBe(200);
  });
});

describe('bearer tokens', () => {
  it('refuses an expired token with 401, WWW-Authenticate invalid_token and problem+json, even on public reads', async () => {
    const token = await tokenOf(operator);
    const auth = { authorization: `Bearer ${token}` };
    expect((await app.inject({ method: 'POST', url: '/api/v1/test/undeclared', headers: auth })).statusCode).toBe(200);
    nowMs += 3_599_999;
    expect((await app.inject({ method: 'POST', url: '/api/v1/test/undeclared', headers: auth })).statusCode).toBe(200);
    nowMs += 1;
    for (const req of [{ method: 'POST' as const, url: '/api/v1/test/undeclared' }, { method: 'GET' as const, url: '/api/v1/sites' }]) {
      const res = await app.inject({ ...req, headers: auth });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="vpp", error="invalid_token"/);
    }
  });

  it('stops honouring the tokens of a client once it is disabled', async () => {
    const token = await tokenOf(retired);
    const req = { method: 'POST' as const, url: '/api/v1/test/undeclared', headers: { authorization: `Bearer ${token}` } };
    expect((await app.inject(req)).statusCode).toBe(200);
    await registry.clients.disable(retired.clientId);
    expect((await app.inject(req)).statusCode).toBe(401);
    expect((await app.inject(form(creds(retired)))).json()).toMatchObject({ error: 'invalid_client' });
  });

  it('answers 401 before validating the body of a write without a token', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/test/strict', payload: { wrong: true } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="vpp"');
  });
});

// Every route × every kind of caller × own/other site, each answer checked.
type Caller = 'anonymous' | 'badToken' | 'operator' | 'viewer' | 'siteOwn' | 'siteOther';
const CALLERS: readonly Caller[] = ['anonymous', 'badToken', 'operator', 'viewer', 'siteOwn', 'siteOther'];
const MATRIX: ReadonlyArray<{ method: 'GET' | 'POST'; url: string; expect: Record<Caller, number> }> = [
  { method: 'GET', url: '/api/v1/health', expect: { anonymous: 200, badToken: 401, operator: 200, viewer: 200, siteOwn: 200, siteOther: 200 } },
  { method: 'GET', url: '/api/v1/sites', expect: { anonymous: 200, badToken: 401, operator: 200, viewer: 200, siteOwn: 200, siteOther: 200 } },
  { method: 'GET', url: '/api/v1/sites/plant-1', expect: { anonymous: 200, badToken: 401, operator: 200, viewer: 200, siteOwn: 200, siteOther: 403 } },
  { method: 'GET', url: '/api/v1/sites/plant-1/series?metric=gridPowerKw', expect: { anonymous: 200, badToken: 401, operator: 200, viewer: 200, siteOwn: 200, siteOther: 403 } },
  { method: 'GET', url: '/docs/json', expect: { anonymous: 200, badToken: 401, operator: 200, viewer: 200, siteOwn: 200, siteOther: 200 } },
  { method: 'GET', url: '/', expect: { anonymous: 200, badToken: 401, operator: 200, viewer: 200, siteOwn: 200, siteOther: 200 } },
  { method: 'POST', url: '/api/v1/test/sites/plant-1/things', expect: { anonymous: 401, badToken: 401, operator: 200, viewer: 403, siteOwn: 200, siteOther: 403 } },
  { method: 'POST', url: '/api/v1/test/reports/plant-1', expect: { anonymous: 401, badToken: 401, operator: 403, viewer: 403, siteOwn: 200, siteOther: 403 } },
  { method: 'POST', url: '/api/v1/test/undeclared', expect: { anonymous: 401, badToken: 401, operator: 200, viewer: 403, siteOwn: 403, siteOther: 403 } },
  { method: 'POST', url: '/api/v1/test/strict', expect: { anonymous: 401, badToken: 401, operator: 200, viewer: 403, siteOwn: 403, siteOther: 403 } },
];

describe('authorisation matrix', () => {
  it('answers every route for every caller as the table says', async () => {
    const tokens: Record<Caller, string | null> = {
      anonymous: null,
      badToken: 'not-a-token',
      operator: await tokenOf(operator),
      viewer: await tokenOf(viewer),
      siteOwn: await tokenOf(site1),
      siteOther: await tokenOf(site2),
    };
    const seen: string[] = [];
    const want: string[] = [];
    for (const row of MATRIX) {
      for (const caller of CALLERS) {
        const token = tokens[caller];
        const res = await app.inject({
          method: row.method,
          url: row.url,
          headers: token !== null ? { authorization: `Bearer ${token}` } : {},
          ...(row.method === 'POST' ? { payload: { name: 'x' } } : {}),
        });
        seen.push(`${row.method} ${row.url} as ${caller}: ${res.statusCode}`);
        want.push(`${row.method} ${row.url} as ${caller}: ${row.expect[caller]}`);
        if (res.statusCode === 401 || res.statusCode === 403) {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="vpp"/);
        }
        if (res.statusCode === 200 && row.method === 'POST') expect(res.json()).toEqual({ by: caller === 'operator' ? operator.clientId : caller === 'siteOwn' ? site1.clientId : expect.any(String) });
      }
    }
    expect(seen).toEqual(want);
  });

  it('shows a site client only its own site in the list', async () => {
    const list = async (token: string | null) =>
      ((await app.inject({ url: '/api/v1/sites', headers: token !== null ? { authorization: `Bearer ${token}` } : {} })).json() as Array<{ id: string }>).map((s) => s.id);
    expect(await list(null)).toEqual(['plant-1', 'plant-2']);
    expect(await list(await tokenOf(viewer))).toEqual(['plant-1', 'plant-2']);
    expect(await list(await tokenOf(site2))).toEqual(['plant-2']);
  });

  it('documents the token endpoint and the OAuth2 scheme in /docs/json', async () => {
    const doc = (await app.inject('/docs/json')).json() as { paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toContain('/api/v1/auth/token');
    expect(doc.components.securitySchemes).toHaveProperty('oAuth2ClientCredentials.flows.clientCredentials.tokenUrl', '/api/v1/auth/token');
  });

  it('answers every write with 401 when the app has no registry', async () => {
    const bare = await buildApp({ version: 'test', sites: () => views, store, adapters: () => [], nowMs: () => nowMs });
    bare.post('/api/v1/x', { config: { scope: 'write_events' } }, async () => ({}));
    try {
      expect((await bare.inject({ method: 'POST', url: '/api/v1/x' })).statusCode).toBe(401);
      expect((await bare.inject(form(creds(operator)))).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
