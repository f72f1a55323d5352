import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMqttSimulator, type MqttSimulator } from '../../simulators/servers/index.js';
import { mosquittoAvailable, mosquittoPub, mosquittoSub, startMosquitto, type MosquittoHandle } from '../helpers/mosquitto.js';
import { fakeBattery } from '../helpers/sim-devices.js';

function battery(siteId: string, assetId: string) {
  return fakeBattery(siteId, assetId, { socPct: 80 });
}

const HAVE_MOSQUITTO = mosquittoAvailable();

describe.skipIf(!HAVE_MOSQUITTO)('MQTT simulator against Mosquitto, with mosquitto_sub/mosquitto_pub as peers', () => {
  let broker: MosquittoHandle;
  let sim: MqttSimulator;
  const bess = battery('plant-7', 'bess');

  beforeAll(async () => {
    broker = await startMosquitto();
    sim = await startMqttSimulator({ brokerUrl: broker.url, devices: [bess.device], publishIntervalS: 0.1 });
  });

  afterAll(async () => {
    await sim?.close();
    await broker?.stop();
  });

  it('uses the given broker and mosquitto_sub -C 1 receives a telemetry message', async () => {
    expect(sim.brokerUrl).toBe(broker.url);
    const sub = mosquittoSub(broker.port, 'vpp-sim/plant-7/bess/telemetry', 1);
    const [line] = await sub.messages;
    const message = JSON.parse(line ?? '') as Record<string, unknown>;
    expect(message).toMatchObject({ powerKw: 0, socPct: 80 });
    expect(Date.parse(String(message.time))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('mosquitto_pub of a command changes the device and produces an ack', async () => {
    const acks = mosquittoSub(broker.port, 'vpp-sim/plant-7/bess/ack', 1);
    await acks.subscribed;
    await mosquittoPub(broker.port, 'vpp-sim/plant-7/bess/command', '{"id": "cli-1", "powerKw": -50, "revertS": 30}');
    expect((await acks.messages).map((m) => JSON.parse(m) as unknown)).toEqual([{ id: 'cli-1', ok: true }]);
    expect(bess.state).toEqual({ powerKw: -50, revertS: 30 });
    const [line] = await mosquittoSub(broker.port, 'vpp-sim/plant-7/bess/telemetry', 1).messages;
    expect(JSON.parse(line ?? '')).toMatchObject({ powerKw: -50 });
  });

  it('a malformed payload answers ok:false and changes nothing', async () => {
    const before = { ...bess.state };
    const acks = mosquittoSub(broker.port, 'vpp-sim/plant-7/bess/ack', 2);
    await acks.subscribed;
    await mosquittoPub(broker.port, 'vpp-sim/plant-7/bess/command', '{"id": "cli-2", "powerKw": ');
    await mosquittoPub(broker.port, 'vpp-sim/plant-7/bess/command', '{"id": "cli-3", "powerKw": 5000}');
    const answers = (await acks.messages).map((m) => JSON.parse(m) as { id: string | null; ok: boolean; error: string });
    expect(answers[0]).toMatchObject({ id: null, ok: false, error: expect.stringMatching(/^payload: not valid JSON/) });
    expect(answers[1]).toMatchObject({ id: 'cli-3', ok: false, error: expect.stringMatching(/^powerKw: .*5000/) });
    expect(bess.state).toEqual(before);
  });

  it('the last will appears when the connections drop, online again after reconnect', async () => {
    const sub = mosquittoSub(broker.port, 'vpp-sim/_gateways/0/status', 3, { verbose: true });
    await sub.subscribed;
    await sim.disconnect();
    await sim.reconnect();
    // The retained `online`, then the will from the broker, then `online` from the new connection.
    expect(await sub.messages).toEqual(['vpp-sim/_gateways/0/status online', 'vpp-sim/_gateways/0/status offline', 'vpp-sim/_gateways/0/status online']);
  });
});
