import { describe, expect, it } from 'vitest';
import { openTcpClient } from '../../adapters/modbus/index.js';
import { eventually, spawnVpp } from '../helpers/cli.js';

interface EndpointLine { asset: string; protocol: string; url: string }

/**
 * `vpp sim --host`: the compose stack's `sim` service serves on its own hostname so that the
 * controller container reaches it (and OPC UA names that host in its endpoint URL). Here the
 * host is `localhost` instead of the default 127.0.0.1, with the compose stack's device file.
 */
describe('vpp sim --host', () => {
  it('serves the compose devices on the named host and names it in every URL', async () => {
    const sim = spawnVpp(['sim', 'config/compose-sim.yaml', '--json', '--host', 'localhost', '--port-base', '0']);
    try {
      const lines = await eventually('six endpoint lines', async () => {
        const out = sim.stdout().trim().split('\n').filter((l) => l !== '');
        return out.length >= 6 ? out : undefined;
      }, 60_000);
      const endpoints = lines.map((l) => JSON.parse(l) as EndpointLine);
      for (const e of endpoints.filter((x) => x.protocol !== 'mqtt')) expect(new URL(e.url).hostname, e.asset).toBe('localhost');
      const grid = new URL(endpoints.find((e) => e.asset === 'grid')?.url ?? '');
      const client = await openTcpClient({ host: grid.hostname, port: Number(grid.port), unit: 1, timeoutMs: 2000 });
      expect([...(await client.readHolding(40000, 2))]).toEqual([0x5375, 0x6e53]); // 'SunS'
      await client.close();
    } finally {
      sim.child.kill('SIGTERM');
    }
    expect(await sim.exited).toBe(0);
  }, 75_000);
});
