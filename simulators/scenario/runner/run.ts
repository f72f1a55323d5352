import { SimClock } from '../clock.js';
import { FaultTimeline } from '../faults.js';
import type { Scenario } from '../types.js';
import { deviceFor, meterDevice } from '../../servers/devices.js';
import type { SimDevice } from '../../servers/device.js';
import { startInProcessBroker, startMqttSimulator, type MqttSimulator } from '../../servers/mqtt/index.js';
import { buildSites, type BuiltSite } from './build.js';
import { controlsFor, type DeviceControls } from './controls.js';
import { FaultView } from './fault-view.js';
import { startModbusSite } from './modbus-site.js';

export interface SimRunOptions {
  readonly scenario: Scenario;
  /** Simulated seconds per wall second; 0 = only step() moves time (tests). */
  readonly speed: number;
  /** First port: site i's Modbus server on portBase + i, OPC UA next, then the MQTT broker. 0 = free ports. */
  readonly portBase: number;
  /** Modbus port per site (by index), overriding portBase: a controller config's bindings name them. */
  readonly sitePorts?: readonly number[];
  readonly host?: string;
  /** An MQTT broker to publish to; none = an aedes broker in process. */
  readonly mqttUrl?: string;
  readonly opcuaPkiDir?: string;
  /** Called once when the sim clock reaches the scenario's end (time then stands still). */
  readonly onEnd?: () => void;
}

/** One served device, as `vpp sim --json` prints it (CONTRACTS.md). */
export interface SimEndpoint {
  readonly site: string;
  readonly asset: string;
  readonly kind: SimDevice['kind'];
  readonly protocol: 'modbus' | 'opcua' | 'mqtt';
  readonly url: string;
  /** OPC UA only: the device's folder node. */
  readonly node?: string;
}

export interface SimRun {
  readonly endpoints: readonly SimEndpoint[];
  readonly sites: readonly BuiltSite[];
  /** By device id (assets and meters). */
  readonly devices: ReadonlyMap<string, SimDevice>;
  simNowMs(): number;
  /** Advances the sim clock by dtS and runs physics and faults up to it (speed 0). */
  step(dtS: number): void;
  close(): Promise<void>;
}

const TICK_MS = 200;
const MAX_STEPS_PER_TICK = 20_000;
/** MQTT gateways (one per site) connecting at once while a fleet starts. */
const MQTT_STARTS_AT_ONCE = 32;

/** Serves every device of a scenario over the protocol its `serve` names and runs its physics. */
export async function startScenario(opts: SimRunOptions): Promise<SimRun> {
  const s = opts.scenario;
  const host = opts.host ?? '127.0.0.1';
  const port = (offset: number): number => (opts.portBase > 0 ? opts.portBase + offset : 0);
  const sites = buildSites(s);
  const clock = new SimClock({ startMs: s.startMs, speed: opts.speed });
  let simMs = s.startMs;
  const timeline = FaultTimeline.fromScenario(s);
  const faults = new FaultView(timeline, () => simMs);
  const devices = new Map<string, SimDevice>();
  const controls = new Map<string, DeviceControls>();
  for (const b of sites) {
    devices.set(b.spec.meter.id, meterDevice(b.spec.id, b.spec.meter.id, b.physics));
    for (const [id, model] of b.models) {
      devices.set(id, deviceFor(b.spec.id, model));
      controls.set(id, controlsFor(model, () => b.physics.gridKw()));
    }
  }
  const closers: Array<() => Promise<void>> = [];
  const endpoints: SimEndpoint[] = [];
  const mqttBySite = new Map<string, MqttSimulator>();
  try {
    for (const [i, b] of sites.entries()) {
      // A site with nothing served over Modbus opens no Modbus port (a large MQTT fleet would
      // otherwise hold one listening port per site for nothing).
      if (b.spec.meter.serve !== 'modbus' && b.spec.assets.every((a) => a.serve !== 'modbus')) continue;
      const { server, units } = await startModbusSite(b, devices, controls, faults, host, opts.sitePorts?.[i] ?? port(i));
      closers.push(() => server.close());
      for (const u of units) endpoints.push({ site: b.spec.id, asset: u.deviceId, kind: u.kind, protocol: 'modbus', url: `modbus://${host}:${server.port}/${u.unitId}` });
    }
    const served = (protocol: 'opcua' | 'mqtt', siteFilter?: string): SimDevice[] =>
      sites.flatMap((b) => (siteFilter !== undefined && b.spec.id !== siteFilter ? [] : [
        ...(b.spec.meter.serve === protocol ? [b.spec.meter.id] : []),
        ...b.spec.assets.filter((a) => a.serve === protocol).map((a) => a.id),
      ]).map((id) => faults.device(devices.get(id) as SimDevice, id)));
    const opcuaDevices = served('opcua');
    if (opcuaDevices.length > 0) {
      // node-opcua loads only when a scenario serves OPC UA: it takes seconds to load and runs
      // CPU-heavy self-checks, which a Modbus-only demo should neither wait for nor be stalled by.
      const { startOpcuaSimulator } = await import('../../servers/opcua/index.js');
      const ua = await startOpcuaSimulator({ host, port: port(sites.length), devices: opcuaDevices, ...(opts.opcuaPkiDir !== undefined ? { pkiDir: opts.opcuaPkiDir } : {}) });
      closers.push(() => ua.close());
      for (const d of opcuaDevices) endpoints.push({ site: d.siteId, asset: d.assetId, kind: d.kind, protocol: 'opcua', url: ua.endpointUrl, node: `ns=1;s=${d.siteId}/${d.assetId}` });
    }
    if (served('mqtt').length > 0) {
      let brokerUrl = opts.mqttUrl;
      if (brokerUrl === undefined) {
        const broker = await startInProcessBroker(host, port(sites.length + 1));
        closers.push(() => broker.close());
        brokerUrl = broker.url;
      }
      // One gateway per site, so a site's brokerDisconnect drops exactly its devices. Started
      // MQTT_STARTS_AT_ONCE at a time: one after the other, 3,334 sites took 200 s of CONNACKs.
      const url = brokerUrl;
      const bySite = sites.map((b) => ({ b, mine: served('mqtt', b.spec.id) })).filter((x) => x.mine.length > 0);
      const started = new Array<MqttSimulator | undefined>(bySite.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < bySite.length) {
          const i = next++;
          const { b, mine } = bySite[i] as (typeof bySite)[number];
          const sim = await startMqttSimulator({ brokerUrl: url, devices: mine, topicPrefix: `vpp-sim/${b.spec.id}`, clock: () => simMs });
          started[i] = sim;
          closers.push(() => sim.close());
        }
      };
      const workers = await Promise.allSettled(Array.from({ length: Math.min(MQTT_STARTS_AT_ONCE, bySite.length) }, worker));
      const failed = workers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      // Endpoints in site order, as before.
      bySite.forEach(({ b, mine }, i) => {
        mqttBySite.set(b.spec.id, started[i] as MqttSimulator);
        for (const d of mine) endpoints.push({ site: d.siteId, asset: d.assetId, kind: d.kind, protocol: 'mqtt', url: `${url.replace(/\/$/, '')}/vpp-sim/${b.spec.id}` });
      });
    }
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }

  let ended = false;
  /**
   * Steps physics toward `targetMs` in whole stepS steps (the scenario's physics step); with
   * `exact` (manual stepping) a last shorter step lands on the target itself.
   */
  const runTo = (targetMs: number, exact: boolean): void => {
    const stepMs = s.stepS * 1000;
    const until = Math.min(targetMs, s.endMs);
    // On the wall clock, catch up at most this many steps per tick: a very high --speed lags
    // rather than blocking the event loop (and with it every server).
    for (let n = 0; exact || n < MAX_STEPS_PER_TICK; n++) {
      const dtMs = Math.min(stepMs, s.endMs - simMs);
      if (dtMs <= 1e-6) break;
      const last = simMs + dtMs > until + 1e-6;
      if (last && !exact) break;
      const stepTo = last ? until : simMs + dtMs;
      if (stepTo - simMs <= 1e-6) break;
      for (const t of timeline.transitions(simMs, stepTo)) applyTransition(t.phase, t.fault.kind, t.fault.assetId, t.fault.siteId);
      for (const b of sites) b.physics.step((stepTo - simMs) / 1000);
      simMs = stepTo;
    }
    if (!ended && simMs >= s.endMs) {
      ended = true;
      opts.onEnd?.();
    }
  };
  const applyTransition = (phase: 'start' | 'end', kind: string, assetId: string | null, siteId: string): void => {
    if (kind === 'deviceReboot' && phase === 'start' && assetId !== null) controls.get(assetId)?.reboot();
    if (kind === 'brokerDisconnect') {
      const sim = mqttBySite.get(siteId);
      if (sim !== undefined) void (phase === 'start' ? sim.disconnect() : sim.reconnect()).catch(() => undefined);
    }
  };
  const timer = opts.speed > 0 ? setInterval(() => runTo(clock.nowMs(), false), TICK_MS) : null;
  timer?.unref();

  return {
    endpoints,
    sites,
    devices,
    simNowMs: () => simMs,
    step(dtS) {
      clock.advance(dtS);
      runTo(clock.nowMs(), true);
    },
    async close() {
      if (timer !== null) clearInterval(timer);
      for (const c of closers.reverse()) await c().catch(() => undefined);
    },
  };
}
