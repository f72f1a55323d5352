import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTcpClient } from '../../adapters/modbus/index.js';
import { eventually, runVpp, spawnVpp } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vpp-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface EndpointLine { site: string; asset: string; kind: string; protocol: string; url: string }

describe('vpp sim', () => {
  it('serves the demo config, one JSON line per endpoint on stdout, until SIGINT', async () => {
    const sim = spawnVpp(['sim', 'config/default.yaml', '--json', '--port-base', '0', '--speed', '60']);
    try {
      const lines = await eventually(
        'six endpoint lines',
        async () => {
          const out = sim.stdout().trim().split('\n').filter((l) => l !== '');
          return out.length >= 6 ? out : undefined;
        },
        // node-opcua loads (and the OPC UA server makes its certificate) before the lines print.
        60_000,
      );
      const endpoints = lines.map((l) => JSON.parse(l) as EndpointLine);
      expect(endpoints.map((e) => `${e.asset}:${e.kind}:${e.protocol}`).sort()).toEqual(['base-load:load:modbus', 'bess-mq:battery:mqtt', 'bess-ua:battery:opcua', 'bess:battery:modbus', 'grid:meter:modbus', 'roof-pv:pv:modbus']);
      for (const e of endpoints) expect(Object.keys(e).sort()).toEqual(e.protocol === 'opcua' ? ['asset', 'kind', 'node', 'protocol', 'site', 'url'] : ['asset', 'kind', 'protocol', 'site', 'url']);
      // The units are where the config's bindings put them, on a real socket.
      const grid = new URL(endpoints.find((e) => e.asset === 'grid')?.url ?? '');
      expect(grid.pathname).toBe('/1');
      const client = await openTcpClient({ host: grid.hostname, port: Number(grid.port), unit: 1, timeoutMs: 1000 });
      expect([...(await client.readHolding(40000, 2))]).toEqual([0x5375, 0x6e53]);
      await client.close();
    } finally {
      sim.child.kill('SIGINT');
    }
    expect(await sim.exited).toBe(0);
  }, 70_000);

  it('refuses a bad scenario with one line per problem and exit 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'version: 1\nname: x\nstart: 2025-07-15T00:00:00+08:00\ndurationH: 0\nstepS: 60\nforecast: perfect\nsites: []\n');
    const r = await runVpp(['sim', file, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bad\.yaml: durationH: must be > 0, got 0/);
  });

  it('rejects bad options with usage and exit 2', async () => {
    expect((await runVpp(['sim', 'config/default.yaml', '--speed', 'fast'])).code).toBe(2);
    expect((await runVpp(['sim'])).code).toBe(2);
  });
});
