import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../adapters/index.js';
import { parseConfig } from '../../src/config/index.js';
import type { DeviceAdapter } from '../../src/domain/index.js';
import { VppError } from '../../src/domain/index.js';
import { startSimulation, type RunningSimulation } from '../../src/runtime/simulation.js';
import { startDaemon } from '../helpers/daemon.js';
import { mosquittoAvailable } from '../helpers/mosquitto.js';

/**
 * How the demo's simulation reads its bindings (config/default.yaml, config/compose.yaml): the
 * scheme picks the protocol, loopback MQTT means a broker in the process, and an MQTT binding
 * naming another host (the compose Mosquitto) has the simulated device publish to that broker.
 */
const config = (mqttBinding: string, extra = ''): string => `
simulation: {startAt: 2025-07-15T10:45:00+08:00}
sites:
  - id: s1
    timezone: Asia/Shanghai
    gridImportLimitKw: 450
    assets:
      - {id: grid, type: meter, binding: "modbus://127.0.0.1:0/1"}
      - {id: bess-mq, type: battery, capacityKwh: 60, maxChargeKw: 30, maxDischargeKw: 30, simulate: {socPct: 60}, binding: "${mqttBinding}"}
${extra}`;

/** A free port on `host`: mosquitto cannot be told to pick one. */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const tcpConnects = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe.skipIf(!mosquittoAvailable())('the demo simulation with a broker the config names', () => {
  // 127.0.0.2 is loopback too, but not the address the simulation takes as "a broker of my own".
  const host = '127.0.0.2';
  let broker: { stop(): Promise<void> } | undefined;
  let port = 0;
  let sim: RunningSimulation | undefined;
  let adapter: DeviceAdapter | undefined;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vpp-demo-mosquitto-'));
    port = await freePort(host);
    await writeFile(join(dir, 'mosquitto.conf'), `listener ${port} ${host}\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
    broker = await startDaemon({ name: 'mosquitto', bin: 'mosquitto', args: ['-c', join(dir, 'mosquitto.conf')], dir, ready: () => tcpConnects(host, port), readyWhat: `accepting on ${host}:${port}`, pollMs: 25 });
  }, 15_000);

  afterAll(async () => {
    await adapter?.close();
    await sim?.close();
    await broker?.stop();
  });

  it('publishes the simulated battery there, and the adapter reads and commands it through it', async () => {
    sim = await startSimulation(parseConfig(config(`mqtt://${host}:${port}/anything?profile=vpp-sim-mqtt-battery`), 'demo.yaml'));
    const [site] = sim.sites;
    const binding = site?.site.assets.find((a) => a.id === 'bess-mq')?.binding ?? '';
    // The broker stays the one named; the topic prefix becomes the simulator's.
    expect(binding).toBe(`mqtt://${host}:${port}/vpp-sim/s1?profile=vpp-sim-mqtt-battery`);
    const grid = new URL(site?.site.assets.find((a) => a.id === 'grid')?.binding ?? '');
    expect(Number(grid.port)).toBeGreaterThan(0);

    adapter = createAdapter({ siteId: 's1', assetId: 'bess-mq', kind: 'battery', binding, pollIntervalS: 1, revertS: 30 });
    const soc = firstValueFrom(adapter.telemetry$.pipe(filter((t) => t.metric === 'socPct' && t.quality === 'good')));
    await adapter.connect();
    expect((await soc).value).toBeCloseTo(60, 0);
    const result = await adapter.write({ siteId: 's1', assetId: 'bess-mq', powerKw: -12, reason: 'test', atMs: Date.now() });
    expect(result.ok).toBe(true);
    // The simulated battery follows the command it got through the broker.
    const following = await firstValueFrom(adapter.telemetry$.pipe(filter((t) => t.metric === 'powerKw' && t.quality === 'good' && t.value === -12)));
    expect(following.value).toBe(-12);
  }, 20_000);
});

describe('the demo simulation refuses bindings it cannot serve, naming the asset', () => {
  const refused = async (text: string): Promise<string> => {
    const err = await startSimulation(parseConfig(text, 'demo.yaml')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VppError);
    expect((err as VppError).code).toBe('SIMULATION_BINDING');
    return (err as Error).message;
  };

  it('MQTT over TLS', async () => {
    expect(await refused(config('mqtts://127.0.0.1:0/vpp-sim/s1?profile=vpp-sim-mqtt-battery'))).toMatch(/site 's1' asset 'bess-mq': .*mqtts:/);
  });

  it('Modbus devices of one site on two ports (one server per site)', async () => {
    const extra = '      - {id: load, type: load, binding: "modbus://127.0.0.1:1502/2", simulate: {profile: {constantKw: 10}}}';
    expect(await refused(config('mqtt://127.0.0.1:0/vpp-sim/s1?profile=vpp-sim-mqtt-battery', extra))).toMatch(/site 's1': the Modbus port must be one .*modbus:\/\/127\.0\.0\.1:0\/1.*modbus:\/\/127\.0\.0\.1:1502\/2/);
  });

  it('an OPC UA device on another host', async () => {
    const extra = '      - {id: bess-ua, type: battery, capacityKwh: 100, maxChargeKw: 50, maxDischargeKw: 50, simulate: {socPct: 60}, binding: "opc.tcp://10.0.0.7:4840?profile=vpp-sim-opcua-battery"}';
    expect(await refused(config('mqtt://127.0.0.1:0/vpp-sim/s1?profile=vpp-sim-mqtt-battery', extra))).toMatch(/site 's1' asset 'bess-ua': a simulated device is served on 127\.0\.0\.1, got opc\.tcp:\/\/10\.0\.0\.7:4840/);
  });
});
