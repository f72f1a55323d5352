import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { startMqttSimulator, type MqttSimulator, type SimDevice } from '../../simulators/servers/index.js';
import { fakeBattery } from '../helpers/sim-devices.js';

function battery(siteId: string, assetId: string) {
  return fakeBattery(siteId, assetId, { socPct: 55.5, reactiveKvar: null });
}

function meter(siteId: string, assetId: string): SimDevice {
  return { siteId, assetId, kind: 'meter', commands: [], readings: () => ({ powerKw: 12.5, energyImportKwh: Number.NaN }), command: () => undefined };
}

/** An mqtt.js peer subscribed to `topics` (resolves after SUBACK); `next` awaits a matching message. */
async function peer(url: string, topics: string[]) {
  const client: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  await client.subscribeAsync(topics, { qos: 1 });
  const next = (topic: string, match: (payload: string) => boolean = () => true): Promise<string> =>
    new Promise((resolve) => {
      const onMessage = (t: string, payload: Buffer): void => {
        if (t !== topic || !match(payload.toString())) return;
        client.off('message', onMessage);
        resolve(payload.toString());
      };
      client.on('message', onMessage);
    });
  return { client, next };
}

const T0 = Date.parse('2025-07-15T06:00:00Z');

describe('MQTT simulator on the in-process aedes broker', () => {
  let sim: MqttSimulator;
  let client: MqttClient | null = null;
  let bess: ReturnType<typeof battery>;

  beforeEach(async () => {
    bess = battery('plant-1', 'bess');
    sim = await startMqttSimulator({ devices: [bess.device, meter('plant-1', 'grid')], publishIntervalS: 0.05, clock: () => T0 });
  });

  afterEach(async () => {
    await client?.endAsync();
    client = null;
    await sim.close();
  });

  it('starts aedes on 127.0.0.1 and publishes canonical telemetry with nulls, never 0', async () => {
    expect(sim.brokerUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const p = await peer(sim.brokerUrl, ['vpp-sim/+/+/telemetry']);
    client = p.client;
    const [b, g] = await Promise.all([p.next('vpp-sim/plant-1/bess/telemetry'), p.next('vpp-sim/plant-1/grid/telemetry')]);
    expect(JSON.parse(b)).toEqual({ time: '2025-07-15T06:00:00.000Z', powerKw: 0, socPct: 55.5, reactiveKvar: null });
    expect(JSON.parse(g)).toEqual({ time: '2025-07-15T06:00:00.000Z', powerKw: 12.5, energyImportKwh: null });
    expect(sim.stats()).toMatchObject({ devices: 2, connections: 1, connected: 1 });
  });

  it('retains online status per device and per gateway, with the gateway device list', async () => {
    const p = await peer(sim.brokerUrl, ['vpp-sim/plant-1/+/status', 'vpp-sim/_gateways/#']);
    client = p.client;
    const got = await Promise.all([
      p.next('vpp-sim/plant-1/bess/status'),
      p.next('vpp-sim/plant-1/grid/status'),
      p.next('vpp-sim/_gateways/0/status'),
      p.next('vpp-sim/_gateways/0/devices'),
    ]);
    expect(got.slice(0, 3)).toEqual(['online', 'online', 'online']);
    expect(JSON.parse(got[3] ?? '')).toEqual(['plant-1/bess', 'plant-1/grid']);
  });

  it('applies a command, acks it and the next telemetry shows the new power', async () => {
    const p = await peer(sim.brokerUrl, ['vpp-sim/plant-1/bess/ack', 'vpp-sim/plant-1/bess/telemetry']);
    client = p.client;
    const ack = p.next('vpp-sim/plant-1/bess/ack');
    await client.publishAsync('vpp-sim/plant-1/bess/command', JSON.stringify({ id: 'c1', powerKw: -50, revertS: 30 }), { qos: 1 });
    expect(JSON.parse(await ack)).toEqual({ id: 'c1', ok: true });
    expect(bess.state).toEqual({ powerKw: -50, revertS: 30 });
    const telemetry = await p.next('vpp-sim/plant-1/bess/telemetry', (m) => m.includes('"powerKw":-50'));
    expect(JSON.parse(telemetry).powerKw).toBe(-50);
    expect(sim.stats().commandsAccepted).toBe(1);
  });

  it.each([
    ['not json', /^payload: not valid JSON/, null],
    ['[1,2]', /^payload: must be a JSON object, got \[1,2\]/, null],
    ['{"id": 7, "powerKw": 1}', /^id: must be a string, got 7/, null],
    ['{"id": "c2"}', /^payload: no command field \(accepts powerKw, revertS\)/, 'c2'],
    ['{"id": "c3", "limitPct": 50}', /^limitPct: not a command of battery plant-1\/bess/, 'c3'],
    ['{"id": "c4", "powerKw": "50"}', /^powerKw: must be a finite number, got "50"/, 'c4'],
    ['{"id": "c5", "powerKw": null}', /^powerKw: must be a finite number, got null/, 'c5'],
    ['{"id": "c6", "powerKw": 500}', /^powerKw: powerKw must be within -100\.\.100 kW, got 500 \(SIM_COMMAND_INVALID\)/, 'c6'],
    ['{"id": "c7", "powerKw": 20, "revertS": "x"}', /^revertS: must be a finite number/, 'c7'],
  ])('rejects %s with an ok:false ack naming the field and changes nothing', async (payload, error, id) => {
    const p = await peer(sim.brokerUrl, ['vpp-sim/plant-1/bess/ack']);
    client = p.client;
    const ack = p.next('vpp-sim/plant-1/bess/ack');
    await client.publishAsync('vpp-sim/plant-1/bess/command', payload, { qos: 1 });
    const answer = JSON.parse(await ack) as { id: string | null; ok: boolean; error: string };
    expect(answer).toMatchObject({ id, ok: false });
    expect(answer.error).toMatch(error);
    expect(bess.state).toEqual({ powerKw: 0, revertS: 0 });
    expect(sim.stats()).toMatchObject({ commandsAccepted: 0, commandsRejected: 1 });
  });

  it('publishes offline for every device and the gateway on a clean close', async () => {
    const p = await peer(sim.brokerUrl, ['vpp-sim/+/+/status', 'vpp-sim/_gateways/+/status']);
    client = p.client;
    const offline = (t: string): Promise<string> => p.next(t, (m) => m === 'offline');
    const all = Promise.all([offline('vpp-sim/plant-1/bess/status'), offline('vpp-sim/plant-1/grid/status'), offline('vpp-sim/_gateways/0/status')]);
    // The in-process broker stops after the connections closed cleanly, so delivery came first.
    await sim.close();
    expect(await all).toEqual(['offline', 'offline', 'offline']);
  });
});

describe('MQTT simulator connections', () => {
  it('groups devices per connection, fires the last will on a drop and recovers on reconnect', async () => {
    const devices = ['a', 'b', 'c', 'd', 'e'].map((id) => battery('s1', id).device);
    const sim = await startMqttSimulator({ devices, devicesPerConnection: 2, publishIntervalS: 0.05, topicPrefix: 'fleet/x' });
    const p = await peer(sim.brokerUrl, ['fleet/x/_gateways/+/status', 'fleet/x/s1/+/telemetry']);
    try {
      expect(sim.stats()).toMatchObject({ devices: 5, connections: 3, connected: 3 });
      await Promise.all(devices.map((d) => p.next(`fleet/x/s1/${d.assetId}/telemetry`)));
      const wills = Promise.all([0, 1, 2].map((n) => p.next(`fleet/x/_gateways/${n}/status`, (m) => m === 'offline')));
      await sim.disconnect();
      expect(await wills).toEqual(['offline', 'offline', 'offline']);
      expect(sim.stats().connected).toBe(0);
      const online = Promise.all([0, 1, 2].map((n) => p.next(`fleet/x/_gateways/${n}/status`, (m) => m === 'online')));
      await sim.reconnect();
      await online;
      expect(sim.stats().connected).toBe(3);
      await p.next('fleet/x/s1/e/telemetry');
    } finally {
      await p.client.endAsync();
      await sim.close();
    }
  });

  it('rejects ids that would break the topic tree, and an unreachable broker', async () => {
    const bad = battery('site/1', 'x').device;
    await expect(startMqttSimulator({ devices: [bad] })).rejects.toMatchObject({ code: 'SIM_MQTT_TOPIC_INVALID', message: expect.stringContaining('devices[0].siteId') });
    const dup = [battery('s', 'x').device, battery('s', 'x').device];
    await expect(startMqttSimulator({ devices: dup })).rejects.toMatchObject({ code: 'SIM_MQTT_DUPLICATE_DEVICE' });
    await expect(startMqttSimulator({ devices: [], publishIntervalS: 0 })).rejects.toMatchObject({ code: 'SIM_MQTT_OPTION_INVALID', message: expect.stringContaining('publishIntervalS') });
    // Port 1 on loopback: nothing listens there, so the connect is refused at once.
    await expect(startMqttSimulator({ brokerUrl: 'mqtt://127.0.0.1:1', devices: [battery('s', 'y').device] })).rejects.toMatchObject({ code: 'SIM_MQTT_CONNECT' });
  });
});
