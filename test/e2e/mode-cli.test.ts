import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ModeTable } from '../../src/runtime/index.js';
import { runVpp } from '../helpers/cli.js';
import { modeApp } from '../helpers/mode-app.js';

/** `vpp mode` against the real mode routes over HTTP on 127.0.0.1, port 0. */
let app: FastifyInstance;
let table: ModeTable;
let url = '';

beforeAll(async () => {
  ({ app, table } = await modeApp(() => Date.parse('2025-07-15T03:00:00Z')));
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
});

describe('vpp mode', () => {
  it('sets an asset to manual with the token from VPP_TOKEN, then prints the aligned table', async () => {
    const set = await runVpp(['mode', 'plant-1/bess', 'manual', '--kw', '-40', '--reason', 'load test', '--url', url], { VPP_TOKEN: 'cli:ana' });
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(table.effective('plant-1', 'bess')).toEqual({ mode: 'manual', manualKw: -40, source: 'asset' });
    expect((await table.view('plant-1'))?.changes[0]).toMatchObject({ who: 'cli:ana', why: 'load test' });

    const show = await runVpp(['mode', 'plant-1', '--url', url]);
    expect(show.code).toBe(0);
    const lines = show.stdout.split('\n');
    expect(lines[0]).toBe('site plant-1  mode auto');
    expect(lines.slice(1, 4)).toEqual([
      'asset  kind     mode    setpointKw  from',
      'grid   meter    auto    -           site',
      'bess   battery  manual  -40         asset',
    ]);
    expect(show.stdout).toMatch(/2025-07-15T03:00:00.000Z\s+plant-1\/bess\s+manual\s+-40\s+cli:ana\s+load test/);

  }, 30_000);

  it('shows the server\u2019s refusal on one line with exit 1', async () => {
    const noToken = await runVpp(['mode', 'plant-1', 'off', '--reason', 'storm', '--url', url], { VPP_TOKEN: '' });
    expect([noToken.code, noToken.stderr]).toEqual([1, 'vpp mode: HTTP 401: a bearer token is required\n']);
    const unknown = await runVpp(['mode', 'plant-1/ghost', 'off', '--reason', 'x', '--token', 't', '--url', url]);
    expect([unknown.code, unknown.stderr]).toEqual([1, "vpp mode: HTTP 404: params.assetId: site 'plant-1' has no asset 'ghost'\n"]);
    expect(unknown.stdout).toBe('');
  }, 30_000);

  it('refuses bad arguments with exit 2 and one line (the cases: test/unit/cli-mode.test.ts)', async () => {
    const r = await runVpp(['mode', 'plant-1', 'off'], { VPP_HTTP_PORT: '1' });
    expect([r.code, r.stderr]).toEqual([2, 'vpp mode: --reason is required to set a mode (recorded with who set it)\n']);
  }, 30_000);
});
