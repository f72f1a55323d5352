import { join } from 'node:path';
import type { ConfiguredSite, VppConfig } from '../config/index.js';
import { VppError, type Site } from '../domain/index.js';
import { DEFAULT_DATA_DIR } from '../store/index.js';
import { startScenario, type SimEndpoint } from '../../simulators/scenario/runner/index.js';
import { startInProcessBroker } from '../../simulators/servers/mqtt/index.js';
import { scenarioFromConfig, serveOf } from './sim-config.js';

export interface RunningSimulation {
  /** The sites with their bindings resolved (a port 0 in the config becomes the real port). */
  readonly sites: readonly ConfiguredSite[];
  close(): Promise<void>;
}

const LOOPBACK = ['127.0.0.1', 'localhost'];
/** The ports a URL without one means, per scheme (as the adapters read them). */
const DEFAULT_PORT: Record<string, number> = { 'modbus:': 502, 'opc.tcp:': 4840, 'mqtt:': 1883 };

interface Bound {
  readonly where: string;
  readonly url: URL;
}

function portOf(url: URL): number {
  return url.port === '' ? (DEFAULT_PORT[url.protocol] ?? 0) : Number(url.port);
}

/** The one value every binding in `bound` agrees on (0 = any free port when there are none). */
function shared<T>(bound: readonly Bound[], what: string, valueOf: (b: Bound) => T, none: T): T {
  const values = new Set(bound.map(valueOf));
  if (values.size > 1) {
    throw new VppError('SIMULATION_BINDING', `${what} must be one for all simulated devices that use it (one server), got ${bound.map((b) => `${b.where}: ${b.url.href}`).join('; ')}`);
  }
  return values.size === 0 ? none : ([...values][0] as T);
}

/** Every simulated asset's binding, by the protocol the runner serves it over. */
function bindingsByProtocol(cfg: VppConfig): { modbus: Bound[][]; opcua: Bound[]; mqtt: Bound[] } {
  const modbus: Bound[][] = [];
  const opcua: Bound[] = [];
  const mqtt: Bound[] = [];
  for (const cs of cfg.sites) {
    const mine: Bound[] = [];
    for (const a of cs.site.assets) {
      const where = `site '${cs.site.id}' asset '${a.id}'`;
      const serve = serveOf(a.binding, where);
      const url = new URL(a.binding);
      // The runner listens on loopback only; an MQTT binding elsewhere names a broker to publish to.
      if (serve !== 'mqtt' && !LOOPBACK.includes(url.hostname)) {
        throw new VppError('SIMULATION_BINDING', `${where}: a simulated device is served on 127.0.0.1, got ${a.binding}`);
      }
      (serve === 'modbus' ? mine : serve === 'opcua' ? opcua : mqtt).push({ where, url });
    }
    modbus.push(mine);
  }
  return { modbus, opcua, mqtt };
}

/**
 * The demo's own data dir, as the controller's registry finds it: the simulator's OPC UA PKI
 * lives there too (not in a temp dir shared between runs and users).
 */
function dataDirOf(cfg: VppConfig): string {
  return cfg.store.kind === 'sqlite' ? cfg.store.dataDir : process.env.VPP_DATA_DIR || DEFAULT_DATA_DIR;
}

/**
 * Runs the config's simulated devices (the demo) with the same runner as `vpp sim`, each over
 * the protocol its binding speaks, so the controller reaches them exactly as it reaches real
 * ones: every site a Modbus TCP server on the port its bindings name (each asset the unit id
 * its binding names), one OPC UA server for every `opc.tcp://` binding, one MQTT broker for
 * every `mqtt://` binding. A port of 0 picks a free one; every binding is then rewritten to
 * the endpoint the runner reports.
 *
 * OPC UA is served with security None: the demo's client and server are one process on
 * loopback, and the runner offers no secured endpoint (a binding with
 * `security=SignAndEncrypt` would not connect).
 */
export async function startSimulation(cfg: VppConfig): Promise<RunningSimulation> {
  const sim = cfg.simulation;
  if (sim === null) return { sites: cfg.sites, close: async () => {} };
  const bound = bindingsByProtocol(cfg);
  const sitePorts = cfg.sites.map((cs, i) => shared(bound.modbus[i] ?? [], `site '${cs.site.id}': the Modbus port`, (b) => portOf(b.url), 0));
  const opcuaPort = shared(bound.opcua, 'the OPC UA port', (b) => portOf(b.url), 0);
  // The runner puts its OPC UA server on portBase + number of sites (and Modbus on sitePorts).
  const portBase = opcuaPort === 0 ? 0 : opcuaPort - cfg.sites.length;
  if (opcuaPort !== 0 && portBase <= 0) throw new VppError('SIMULATION_BINDING', `the OPC UA port must be above ${cfg.sites.length}, got ${opcuaPort}`);

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    let mqttUrl: string | undefined;
    if (bound.mqtt.length > 0) {
      const host = shared(bound.mqtt, 'the MQTT broker host', (b) => (LOOPBACK.includes(b.url.hostname) ? '127.0.0.1' : b.url.hostname), '127.0.0.1');
      const port = shared(bound.mqtt, 'the MQTT broker port', (b) => portOf(b.url), 0);
      if (host === '127.0.0.1') {
        // An aedes broker in this process, on the port the bindings name: the runner would put
        // its own on portBase + sites + 1, a port no binding can name independently.
        const broker = await startInProcessBroker(host, port);
        closers.push(() => broker.close());
        mqttUrl = broker.url;
      } else {
        mqttUrl = `mqtt://${host}:${port}`; // a broker the config names (the compose Mosquitto)
      }
    }
    const run = await startScenario({
      scenario: scenarioFromConfig(cfg),
      speed: sim.speed,
      portBase,
      sitePorts,
      opcuaPkiDir: join(dataDirOf(cfg), 'pki', 'opcua-sim'),
      ...(mqttUrl !== undefined ? { mqttUrl } : {}),
    });
    closers.push(() => run.close());
    const served = new Map(run.endpoints.map((e) => [`${e.site}/${e.asset}`, e]));
    return {
      sites: cfg.sites.map((cs) => ({ ...cs, site: resolveBindings(cs.site, served) })),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * Each binding pointed at the endpoint that serves its asset: its host and port, and for MQTT
 * the runner's topic prefix. The binding's unit id (its path) and its query (profile, ...) stay.
 */
function resolveBindings(site: Site, served: ReadonlyMap<string, SimEndpoint>): Site {
  return {
    ...site,
    assets: site.assets.map((a) => {
      const e = served.get(`${site.id}/${a.id}`);
      if (e === undefined) throw new VppError('SIMULATION_BINDING', `site '${site.id}' asset '${a.id}': the simulator serves no such device (binding ${a.binding})`);
      const url = new URL(a.binding);
      const at = new URL(e.url);
      url.host = at.host;
      if (e.protocol === 'mqtt') url.pathname = at.pathname;
      return { ...a, binding: url.toString() };
    }),
  };
}
