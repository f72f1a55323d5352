import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { createMqttAdapter, mqttBindingProblem } from '../../adapters/mqtt/index.js';
import type { AdapterTarget, DeviceAdapter } from '../../src/domain/device-adapter.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { AdapterCounters } from '../../src/runtime/metrics-adapters.js';
import { startInProcessBroker, type InProcessBroker } from '../../simulators/servers/index.js';

/**
 * A vendor device played by a raw mqtt.js client: generation positive in W under `data.p_w`,
 * epoch-ms time, a status topic and no gateways. Tests the profile's conversions and every
 * way a payload can be wrong.
 */
const VENDOR = `name: acme-inverter
protocol: mqtt
kind: pv
source: test fixture
mqtt:
  silenceS: 5
  telemetry:
    topic: "{prefix}/{asset}/state"
    time: {path: ts}
    fields:
      powerKw: {path: data.p_w, scale: 0.001, sign: -1}
      energyExportKwh: {path: data.e_wh, scale: 0.001}
  status: {topic: "{prefix}/{asset}/lwt", online: "1", offline: "0"}
  command:
    topic: "{prefix}/{asset}/set"
    id: cmd.ref
    power: {path: cmd.limit_w, scale: 0.001, sign: -1}
    ack: {topic: "{prefix}/{asset}/set/result", id: ref, ok: accepted, error: reason, timeoutS: 0.2}
`;

const quiet = { warn: () => undefined };
let dir: string;
let profileDir: URL;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vpp-mqtt-profiles-'));
  profileDir = pathToFileURL(`${dir}/`);
  await writeFile(join(dir, 'acme-inverter.yaml'), VENDOR);
  await writeFile(join(dir, 'acme-quiet.yaml'), VENDOR.replace('acme-inverter', 'acme-quiet').replace('silenceS: 5', 'silenceS: 0.3'));
  await writeFile(join(dir, 'acme-broken.yaml'), VENDOR.replace('acme-inverter', 'acme-broken').replace('scale: 0.001, sign: -1}', 'scale: 0, sign: -1}'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function next(adapter: DeviceAdapter, metric: Metric, pred: (t: Telemetry) => boolean = () => true): Promise<Telemetry> {
  return firstValueFrom(adapter.telemetry$.pipe(filter((t) => t.metric === metric && pred(t))));
}

// Device times near ours: a device clock off by more than the profile's maxSkewS (300 s) is ignored.
const T = Date.now();

describe('MQTT adapter with a vendor profile (raw mqtt.js device on aedes)', () => {
  let broker: InProcessBroker | null = null;
  let adapter: DeviceAdapter | null = null;
  let device: MqttClient | null = null;

  afterEach(async () => {
    await adapter?.close();
    await device?.endAsync(true);
    await broker?.close();
    adapter = null;
    device = null;
    broker = null;
  });

  async function setup(profile = 'acme-inverter') {
    broker = await startInProcessBroker();
    const t: AdapterTarget = { siteId: 'site-9', assetId: 'inv1', kind: 'pv', binding: `${broker.url}/acme/site-9?profile=${profile}`, pollIntervalS: 1, revertS: 0 };
    adapter = createMqttAdapter(t, { profileDir, log: quiet, reconnectPeriodMs: 50 });
    device = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await adapter.connect();
    return { a: adapter, d: device, url: broker.url };
  }

  const publish = (d: MqttClient, payload: string): Promise<unknown> => d.publishAsync('acme/site-9/inv1/state', payload, { qos: 1 });

  it('converts vendor scale and sign once: 12 300 W generated reads -12.3 kW at the device time', async () => {
    const { a, d } = await setup();
    const burst = firstValueFrom(a.telemetry$.pipe(take(2), toArray()));
    await publish(d, JSON.stringify({ ts: T, data: { p_w: 12_300, e_wh: 5_400_200 } }));
    expect(await burst).toEqual([
      { siteId: 'site-9', assetId: 'inv1', metric: 'powerKw', value: -12.3, quality: 'good', atMs: T },
      { siteId: 'site-9', assetId: 'inv1', metric: 'energyExportKwh', value: 5400.2, quality: 'good', atMs: T },
    ]);
  });

  it('malformed payloads make metrics bad (never 0), are counted, and the adapter lives on', async () => {
    const { a, d } = await setup();
    const counters = new AdapterCounters();
    counters.sample([a]);
    const errorsBefore = counters.entries()[0]?.[1].errors;
    let bad = firstValueFrom(a.telemetry$.pipe(take(2), toArray()));
    await publish(d, 'not json {');
    expect((await bad).map((t) => [t.metric, t.value, t.quality])).toEqual([['powerKw', null, 'bad'], ['energyExportKwh', null, 'bad']]);
    expect(a.health()).toMatchObject({ consecutiveErrors: 1 });
    expect(a.health().lastError).toContain('not valid JSON');

    bad = firstValueFrom(a.telemetry$.pipe(take(2), toArray()));
    await publish(d, JSON.stringify({ ts: T + 1, data: { p_w: '12300', e_wh: 10 } }));
    expect((await bad).map((t) => [t.metric, t.value, t.quality])).toEqual([['powerKw', null, 'bad'], ['energyExportKwh', 0.01, 'good']]);
    expect(a.health()).toMatchObject({ consecutiveErrors: 2, lastError: 'acme/site-9/inv1/state: data.p_w: must be a number or null, got "12300"' });

    bad = firstValueFrom(a.telemetry$.pipe(take(2), toArray()));
    await publish(d, JSON.stringify({ ts: 'yesterday', data: { p_w: 1, e_wh: 1 } }));
    expect((await bad).every((t) => t.quality === 'bad')).toBe(true);
    expect(a.health().consecutiveErrors).toBe(3);

    const good = next(a, 'powerKw');
    await publish(d, JSON.stringify({ ts: T + 2, data: { p_w: 500, e_wh: 10 } }));
    expect(await good).toMatchObject({ value: -0.5, quality: 'good', atMs: T + 2 });
    expect(a.health()).toMatchObject({ connected: true, consecutiveErrors: 0, lastError: null });
    // The run of 3 healed before this sample: the totals still hold every one of them.
    counters.sample([a]);
    expect(errorsBefore).toBe(0);
    expect(counters.entries()[0]?.[1]).toEqual({ errors: 3, reconnects: 0 });
    expect(a.health()).toMatchObject({ errorsTotal: 3, reconnectsTotal: 0 });
  });

  it('silence beyond silenceS makes every metric bad', async () => {
    const { a, d } = await setup('acme-quiet');
    const good = next(a, 'powerKw');
    await publish(d, JSON.stringify({ ts: T + 2, data: { p_w: 500, e_wh: 10 } }));
    await good;
    const bad = await next(a, 'powerKw', (t) => t.quality === 'bad');
    expect(bad.value).toBeNull();
    expect(a.health().lastError).toContain('no telemetry on acme/site-9/inv1/state within 0.3 s');
  });

  it('status offline makes every metric bad', async () => {
    const { a, d } = await setup();
    const bad = next(a, 'energyExportKwh', (t) => t.quality === 'bad');
    await d.publishAsync('acme/site-9/inv1/lwt', '0', { qos: 1, retain: true });
    await bad;
    expect(a.health()).toMatchObject({ connected: false });
  });

  it('write: vendor command shape, ok false with the device reason, timeout without an ack', async () => {
    const { a, d } = await setup();
    await d.subscribeAsync('acme/site-9/inv1/set', { qos: 1 });
    const seen: unknown[] = [];
    d.on('message', (_topic, payload) => {
      const cmd = JSON.parse(payload.toString()) as { cmd: { ref: string; limit_w: number } };
      seen.push(cmd);
      // Answers the first command only: the second must time out.
      if (seen.length === 1) void d.publishAsync('acme/site-9/inv1/set/result', JSON.stringify({ ref: cmd.cmd.ref, accepted: false, reason: 'limit_w above rating' }), { qos: 1 });
    });
    const refused = await a.write({ siteId: 'site-9', assetId: 'inv1', powerKw: -8, reason: 'test', atMs: 0 });
    expect(seen[0]).toMatchObject({ cmd: { limit_w: 8000 } });
    expect(refused.ok).toBe(false);
    expect(refused.detail).toMatch(/command [0-9a-f-]{36}: limit_w above rating$/);
    const timedOut = await a.write({ siteId: 'site-9', assetId: 'inv1', powerKw: -4, reason: 'test', atMs: 0 });
    expect(timedOut).toMatchObject({ ok: false, readBackKw: null });
    expect(timedOut.detail).toContain('no ack on acme/site-9/inv1/set/result within 0.2 s');
  });

  it('broker lost: every metric bad at once; mqtt.js reconnects and fresh data is good again', async () => {
    const { a, url } = await setup();
    const port = Number(new URL(url).port);
    const bad = firstValueFrom(a.telemetry$.pipe(take(2), toArray()));
    await device?.endAsync(true);
    device = null;
    await broker?.close();
    broker = null;
    expect((await bad).every((t) => t.quality === 'bad' && t.value === null)).toBe(true);
    expect(a.health().connected).toBe(false);
    expect(a.health().lastError).toContain('connection lost');

    broker = await startInProcessBroker('127.0.0.1', port);
    device = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const good = next(a, 'powerKw', (t) => t.quality === 'good');
    // Retained, so the adapter gets it whenever its reconnect and re-subscription complete.
    await device.publishAsync('acme/site-9/inv1/state', JSON.stringify({ ts: T + 3, data: { p_w: 100, e_wh: 1 } }), { qos: 1, retain: true });
    expect(await good).toMatchObject({ value: -0.1, quality: 'good' });
    expect(a.health().connected).toBe(true);
    // The retained reading may beat the SUBACK's handling to the adapter: the reconnect counts on the SUBACK.
    await expect.poll(() => a.health().reconnectsTotal, { timeout: 3000 }).toBe(1);
    // The loss, and each refused connect attempt while the broker was away.
    expect(a.health().errorsTotal).toBeGreaterThanOrEqual(1);
  });
});

describe('mqttBindingProblem', () => {
  it('accepts a good binding, names what is wrong otherwise', () => {
    expect(mqttBindingProblem('mqtt://127.0.0.1:1883/vpp-sim/s1?profile=vpp-sim-mqtt-battery')).toBeNull();
    expect(mqttBindingProblem('mqtts://broker.example:8883/vpp-sim/s1?profile=vpp-sim-mqtt-ev-charger&site=p1&asset=ev-1')).toBeNull();
    expect(mqttBindingProblem('mqtt://127.0.0.1:1883/a?profile=vpp-sim-mqtt-battery&asset=a/b')).toContain('asset must be one MQTT topic level');
    expect(mqttBindingProblem('mqtt://127.0.0.1:1883/vpp-sim/s1')).toContain('profile is required');
    expect(mqttBindingProblem('mqtt://127.0.0.1:1883/?profile=vpp-sim-mqtt-battery')).toContain('topic prefix');
    expect(mqttBindingProblem('mqtt://127.0.0.1:1883/a/#?profile=vpp-sim-mqtt-battery')).toContain('topic prefix');
    expect(mqttBindingProblem('mqtt://127.0.0.1:1883/a?profile=nope')).toContain('config/devices/nope.yaml: cannot read');
    expect(mqttBindingProblem('mqtt://127.0.0.1:1883/a?profile=vpp-sim-mqtt-battery&unit=3')).toContain("query parameter 'unit'");
    expect(mqttBindingProblem('mqtt://127.0.0.1:1883/a?profile=acme-broken', profileDir)).toContain('mqtt.telemetry.fields.powerKw.scale: must be > 0, got 0');
  });
});
