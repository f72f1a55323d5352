import { afterEach, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { createMqttAdapter } from '../../adapters/mqtt/index.js';
import type { AdapterTarget, DeviceAdapter } from '../../src/domain/device-adapter.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { startMqttSimulator, type MqttSimulator } from '../../simulators/servers/index.js';
import { fakeBattery } from '../helpers/sim-devices.js';

// The simulated device's clock, a minute behind ours: within the adapter's 300 s clock-skew allowance.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const BATTERY_METRICS: readonly Metric[] = ['powerKw', 'socPct', 'availableChargeKw', 'availableDischargeKw', 'setpointKw'];
const quiet = { warn: () => undefined };

function target(binding: string): AdapterTarget {
  return { siteId: 'plant-1', assetId: 'bess', kind: 'battery', binding, pollIntervalS: 1, revertS: 30 };
}

/** The next reading of `metric` matching `pred`; subscribe before causing it. */
function next(adapter: DeviceAdapter, metric: Metric, pred: (t: Telemetry) => boolean = () => true): Promise<Telemetry> {
  return firstValueFrom(adapter.telemetry$.pipe(filter((t) => t.metric === metric && pred(t))));
}


describe('MQTT adapter against the MQTT simulator (in-process aedes)', () => {
  let sim: MqttSimulator | null = null;
  let adapter: DeviceAdapter | null = null;

  afterEach(async () => {
    await adapter?.close();
    await sim?.close();
    adapter = null;
    sim = null;
  });

  async function setup(extra: Partial<Record<Metric, number | null>> = {}) {
    const bess = fakeBattery('plant-1', 'bess', { socPct: 55.5, availableChargeKw: 80, availableDischargeKw: 90, setpointKw: 0, ...extra });
    sim = await startMqttSimulator({ devices: [bess.device], topicPrefix: 'vpp-sim/s1', publishIntervalS: 0.05, clock: () => T0 });
    adapter = createMqttAdapter(target(`${sim.brokerUrl}/vpp-sim/s1?profile=vpp-sim-mqtt-battery`), { log: quiet });
    return { bess, adapter };
  }

  it('emits canonical telemetry, good, with the device time and the load sign', async () => {
    const { bess, adapter: a } = await setup();
    bess.state.powerKw = -30; // discharging
    const burst = firstValueFrom(a.telemetry$.pipe(take(BATTERY_METRICS.length), toArray()));
    await a.connect();
    const got = await burst;
    expect(got.map((t) => t.metric)).toEqual(BATTERY_METRICS);
    expect(got.every((t) => t.quality === 'good' && t.atMs === T0 && t.siteId === 'plant-1' && t.assetId === 'bess')).toBe(true);
    expect(Object.fromEntries(got.map((t) => [t.metric, t.value]))).toEqual({ powerKw: -30, socPct: 55.5, availableChargeKw: 80, availableDischargeKw: 90, setpointKw: 0 });
    expect(a.health()).toMatchObject({ connected: true, consecutiveErrors: 0, lastError: null });
  });

  it('a field the device gives as null is bad, never 0', async () => {
    const { adapter: a } = await setup({ socPct: null });
    const soc = next(a, 'socPct');
    await a.connect();
    expect(await soc).toMatchObject({ value: null, quality: 'bad' });
  });

  it('write: QoS 1 command, ack ok, the device takes the power and the revert timer', async () => {
    const { bess, adapter: a } = await setup();
    await a.connect();
    const result = await a.write({ siteId: 'plant-1', assetId: 'bess', powerKw: 40, reason: 'test', atMs: T0 });
    expect(result).toEqual({ ok: true, readBackKw: 40, detail: null });
    expect(bess.state).toEqual({ powerKw: 40, revertS: 30 });
    expect((await next(a, 'powerKw', (t) => t.value === 40)).quality).toBe('good');
    expect(sim?.stats().commandsAccepted).toBe(1);
  });

  it('write out of range: ok false with the device message, state unchanged', async () => {
    const { bess, adapter: a } = await setup();
    await a.connect();
    const result = await a.write({ siteId: 'plant-1', assetId: 'bess', powerKw: 500, reason: 'test', atMs: T0 });
    expect(result.ok).toBe(false);
    expect(result.readBackKw).toBeNull();
    expect(result.detail).toContain('powerKw must be within -100..100 kW, got 500');
    expect(bess.state.powerKw).toBe(0);
  });

  it('simulator connection dropped (last will): every metric bad at once, good again after reconnect', async () => {
    const { adapter: a } = await setup();
    const first = next(a, 'powerKw', (t) => t.quality === 'good');
    await a.connect();
    await first;
    const bad = firstValueFrom(a.telemetry$.pipe(filter((t) => t.quality === 'bad'), take(BATTERY_METRICS.length), toArray()));
    await sim?.disconnect();
    const got = await bad;
    expect(got.map((t) => t.metric)).toEqual(BATTERY_METRICS);
    expect(got.every((t) => t.value === null)).toBe(true);
    expect(a.health()).toMatchObject({ connected: false });
    expect(a.health().lastError).toContain('gateway 0 status: "offline"');
    const write = await a.write({ siteId: 'plant-1', assetId: 'bess', powerKw: 10, reason: 'test', atMs: T0 });
    expect(write).toMatchObject({ ok: false, readBackKw: null });
    expect(write.detail).toContain('device offline');

    const good = next(a, 'powerKw', (t) => t.quality === 'good');
    await sim?.reconnect();
    expect(await good).toMatchObject({ value: 0, quality: 'good' });
    expect(a.health()).toMatchObject({ connected: true, consecutiveErrors: 0 });
  });

  it('connect() rejects with DEVICE_UNREACHABLE when no broker listens', async () => {
    const { adapter: a } = await setup();
    await sim?.close();
    sim = null;
    await expect(a.connect()).rejects.toMatchObject({ code: 'DEVICE_UNREACHABLE' });
  });
});

describe('MQTT adapters sharing one broker connection', () => {
  const opened: { close(): Promise<void> }[] = [];

  afterEach(async () => {
    // Adapters first, then the simulators (the first one owns the in-process broker).
    for (const c of opened.splice(0).reverse()) await c.close();
  });

  /** Client ids the broker saw connect, from aedes's $SYS announcements. */
  async function watchClients(brokerUrl: string): Promise<string[]> {
    const { default: mqtt } = await import('mqtt');
    const seen: string[] = [];
    const w = await mqtt.connectAsync(brokerUrl, { clientId: 'test-watch' });
    w.on('message', (_topic, payload) => seen.push(payload.toString()));
    await w.subscribeAsync('$SYS/+/new/clients');
    opened.push({ close: () => w.endAsync(true) });
    return seen;
  }

  it('devices on one broker share one connection; each adapter hears and commands only its own device', async () => {
    const a1 = fakeBattery('plant-1', 'bess-a');
    const a2 = fakeBattery('plant-1', 'bess-b');
    const b1 = fakeBattery('plant-2', 'bess');
    const s1 = await startMqttSimulator({ devices: [a1.device, a2.device], topicPrefix: 'vpp-sim/s1', publishIntervalS: 0.05, clock: () => T0 });
    opened.push(s1);
    const s2 = await startMqttSimulator({ brokerUrl: s1.brokerUrl, devices: [b1.device], topicPrefix: 'vpp-sim/s2', publishIntervalS: 0.05, clock: () => T0 });
    opened.push(s2);
    const clients = await watchClients(s1.brokerUrl);
    a1.state.powerKw = 11;
    a2.state.powerKw = 22;
    b1.state.powerKw = 33;
    const make = (site: string, asset: string, prefix: string): DeviceAdapter => {
      const a = createMqttAdapter({ ...target(`${s1.brokerUrl}/${prefix}?profile=vpp-sim-mqtt-battery`), siteId: site, assetId: asset }, { log: quiet });
      opened.push(a);
      return a;
    };
    const adapters = [make('plant-1', 'bess-a', 'vpp-sim/s1'), make('plant-1', 'bess-b', 'vpp-sim/s1'), make('plant-2', 'bess', 'vpp-sim/s2')];
    const expected = [11, 22, 33];
    // Each adapter's own readings only: a reading routed to the wrong adapter would carry another value.
    const heard = adapters.map(() => new Set<number | null>());
    adapters.forEach((a, i) => a.telemetry$.pipe(filter((t) => t.metric === 'powerKw')).subscribe((t) => heard[i]?.add(t.value)));
    await Promise.all(adapters.map((a) => a.connect()));
    await Promise.all(adapters.map((a, i) => next(a, 'powerKw', (t) => t.value === expected[i])));
    expect(clients.filter((id) => id.startsWith('vpp-') && !id.startsWith('vpp-sim'))).toHaveLength(1);

    expect(await adapters[1]?.write({ siteId: 'plant-1', assetId: 'bess-b', powerKw: -40, reason: 'test', atMs: T0 })).toEqual({ ok: true, readBackKw: -40, detail: null });
    expect([a1.state.powerKw, a2.state.powerKw, b1.state.powerKw]).toEqual([11, -40, 33]);
    await next(adapters[1] as DeviceAdapter, 'powerKw', (t) => t.value === -40);

    // One leaves: the others keep hearing their devices on the same connection.
    await adapters[0]?.close();
    a2.state.powerKw = 23;
    b1.state.powerKw = 34;
    await Promise.all([next(adapters[1] as DeviceAdapter, 'powerKw', (t) => t.value === 23), next(adapters[2] as DeviceAdapter, 'powerKw', (t) => t.value === 34)]);
    expect(heard.map((s) => [...s].sort((x, y) => (x ?? 0) - (y ?? 0)))).toEqual([[11], [-40, 22, 23], [33, 34]]);
    expect(adapters.slice(1).map((a) => a.health().connected)).toEqual([true, true]);
    expect(clients.filter((id) => id.startsWith('vpp-') && !id.startsWith('vpp-sim'))).toHaveLength(1);

    // The last one out ends the connection; the next adapter makes a new one.
    await adapters[1]?.close();
    await adapters[2]?.close();
    const again = make('plant-2', 'bess', 'vpp-sim/s2');
    await again.connect();
    await next(again, 'powerKw', (t) => t.value === 34);
    expect(clients.filter((id) => id.startsWith('vpp-') && !id.startsWith('vpp-sim'))).toHaveLength(2);
  });
});
