import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.js';
import { openRegistry, openStore } from '../../src/store/index.js';
import { runVpp } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vpp-clients-'));
const env = { VPP_DATA_DIR: dir };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withServer<T>(fn: (base: string) => Promise<T>): Promise<T> {
  const registry = openRegistry({ dataDir: dir });
  const store = await openStore({ kind: 'sqlite', dataDir: dir });
  const app = await buildApp({ version: 'test', sites: () => [], store, adapters: () => [], nowMs: Date.now, registry });
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return await fn(url);
  } finally {
    await app.close();
    await store.close();
    await registry.close();
  }
}

const token = (base: string, clientId: string, clientSecret: string) =>
  fetch(`${base}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });

// Each `vpp` run starts tsx (seconds on a loaded 2-core machine): room for the four runs of the first test.
const CLI_TIMEOUT_MS = 120_000;

describe('vpp clients', { timeout: CLI_TIMEOUT_MS }, () => {
  it('add --json prints the credential once; a server on the same data dir then issues a token for it', async () => {
    const r = await runVpp(['clients', 'add', '--role', 'site', '--site', 'plant-1', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const cred = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(cred).sort()).toEqual(['clientId', 'clientSecret']);
    const { clientId, clientSecret } = cred as { clientId: string; clientSecret: string };
    expect(clientId).toMatch(/^site_/);

    // Never again: list shows the client without any secret.
    const list = await runVpp(['clients', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).not.toContain(clientSecret);
    expect(JSON.parse(list.stdout)).toEqual([{ clientId, role: 'site', siteId: 'plant-1', createdAt: expect.any(String), disabled: false }]);

    await withServer(async (base) => {
      const res = await token(base, clientId, clientSecret);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read_all write_reports write_subscriptions write_vens' });
    });

    const off = await runVpp(['clients', 'disable', clientId], env);
    expect(off.code, off.stderr).toBe(0);
    await withServer(async (base) => {
      const res = await token(base, clientId, clientSecret);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    });
  });

  it('prints two lines and a once-only warning in human form', async () => {
    const r = await runVpp(['clients', 'add', '--role', 'operator'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^clientId: +op_[0-9a-f]{24}\nclientSecret: +[A-Za-z0-9_-]{43}\n$/);
    expect(r.stderr).toMatch(/shown only this once/);
  });

  it('exits 2 on --role site without --site, an unknown role, or an unknown client', async () => {
    const noSite = await runVpp(['clients', 'add', '--role', 'site'], env);
    expect(noSite.code).toBe(2);
    expect(noSite.stderr).toMatch(/--site ID is required with --role site/);
    const badRole = await runVpp(['clients', 'add', '--role', 'root'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/--role must be one of operator, site, viewer, got "root"/);
    const unknown = await runVpp(['clients', 'disable', 'op_nobody'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
  });
});
