import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { createMqttAdapter } from '../../adapters/mqtt/index.js';
import type { DeviceAdapter } from '../../src/domain/device-adapter.js';
import { startMqttSimulator, type MqttSimulator } from '../../simulators/servers/index.js';
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from '../helpers/mosquitto.js';
import { fakeBattery } from '../helpers/sim-devices.js';

const HAVE_MOSQUITTO = mosquittoAvailable();

describe.skipIf(!HAVE_MOSQUITTO)('MQTT adapter against Mosquitto and the MQTT simulator', () => {
  let broker: MosquittoHandle;
  let sim: MqttSimulator;
  let adapter: DeviceAdapter;
  const bess = fakeBattery('plant-7', 'bess', { socPct: 80, availableChargeKw: 100, availableDischargeKw: 100, setpointKw: 0 });

  beforeAll(async () => {
    broker = await startMosquitto();
    sim = await startMqttSimulator({ brokerUrl: broker.url, devices: [bess.device], topicPrefix: 'vpp-sim/s1', publishIntervalS: 0.1 });
    adapter = createMqttAdapter(
      { siteId: 'plant-7', assetId: 'bess', kind: 'battery', binding: `${broker.url}/vpp-sim/s1?profile=vpp-sim-mqtt-battery`, pollIntervalS: 1, revertS: 60 },
      { log: { warn: () => undefined } },
    );
  });

  afterAll(async () => {
    await adapter?.close();
    await sim?.close();
    await broker?.stop();
  });

  it('reads good telemetry, writes with an ack, and goes bad on the last will', async () => {
    const good = firstValueFrom(adapter.telemetry$.pipe(filter((t) => t.metric === 'socPct' && t.quality === 'good')));
    await adapter.connect();
    expect((await good).value).toBe(80);

    expect(await adapter.write({ siteId: 'plant-7', assetId: 'bess', powerKw: -25, reason: 'test', atMs: 0 })).toEqual({ ok: true, readBackKw: -25, detail: null });
    expect(bess.state).toEqual({ powerKw: -25, revertS: 60 });
    const refused = await adapter.write({ siteId: 'plant-7', assetId: 'bess', powerKw: 101, reason: 'test', atMs: 0 });
    expect(refused.ok).toBe(false);
    expect(refused.detail).toContain('powerKw must be within -100..100 kW, got 101');

    const bad = firstValueFrom(adapter.telemetry$.pipe(filter((t) => t.quality === 'bad'), take(5), toArray()));
    await sim.disconnect();
    expect((await bad).map((t) => t.metric).sort()).toEqual(['availableChargeKw', 'availableDischargeKw', 'powerKw', 'setpointKw', 'socPct']);
    expect(adapter.health().connected).toBe(false);
  });
});
