import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { spawnVpp } from './cli.js';
import { freePort } from './influxd.js';

/*
 * A fleet of simulated sites served by a separate `vpp sim` over a real MQTT broker on per-site
 * topics, for tests that run controller processes against it (scale-out, faults): each site
 * has a grid meter, a constant load above the site's import limit and a battery, so only the
 * controller keeps the site under its limit.
 */

export interface FleetSpec {
  readonly sites: number;
  readonly limitKw: number;
  readonly targetKw: number;
  readonly loadKw: number;
  /** Battery revert timer, s (the device falls back to 0 kW when not re-written for this long). */
  readonly revertS?: number;
}

export interface Endpoint {
  readonly site: string;
  readonly asset: string;
  readonly url: string;
}

export const fleetSiteId = (i: number): string => `s${String(i + 1).padStart(3, '0')}`;

const battery = (revertS: number) => `type: battery, capacityKwh: 200, maxChargeKw: 100, maxDischargeKw: 100, minSocPct: 10, maxSocPct: 95, revertS: ${revertS}`;

/** The simulator's config: every site's devices on the broker (vpp sim puts each site under `vpp-sim/<site>`). */
export function simConfigText(spec: FleetSpec, brokerPort: number): string {
  const binding = (profile: string) => `"mqtt://127.0.0.1:${brokerPort}/vpp-sim?profile=${profile}"`;
  const sites = Array.from({ length: spec.sites }, (_, i) => {
    const id = fleetSiteId(i);
    return `  - id: ${id}
    timezone: Asia/Shanghai
    gridImportLimitKw: ${spec.limitKw}
    peakTargetKw: ${spec.targetKw}
    assets:
      - {id: ${id}-grid, type: meter, binding: ${binding('vpp-sim-mqtt-meter')}}
      - {id: ${id}-load, type: load, binding: ${binding('vpp-sim-mqtt-load')}, simulate: {profile: {constantKw: ${spec.loadKw}}}}
      - {id: ${id}-bess, ${battery(spec.revertS ?? 30)}, binding: ${binding('vpp-sim-mqtt-battery')}, simulate: {socPct: 60}}`;
  });
  return `simulation: {startAt: "2025-07-15T10:00:00+08:00", speed: 1}\nsites:\n${sites.join('\n')}\n`;
}

/**
 * A controller's config for the same sites, bound to the endpoints `vpp sim` reported; `head`
 * goes first (cluster:, store:, ...); `extra(siteId)` adds site fields (YAML, indented 4).
 */
export function controllerConfigText(spec: FleetSpec, endpoints: readonly Endpoint[], head: string, extra: (siteId: string) => string = () => ''): string {
  const url = (site: string, asset: string, profile: string) => {
    const e = endpoints.find((x) => x.site === site && x.asset === asset);
    if (e === undefined) throw new Error(`vpp sim reported no endpoint for ${site}/${asset}`);
    return `"${e.url}?profile=${profile}"`;
  };
  const sites = Array.from({ length: spec.sites }, (_, i) => {
    const id = fleetSiteId(i);
    return `  - id: ${id}
    timezone: Asia/Shanghai
    gridImportLimitKw: ${spec.limitKw}
    peakTargetKw: ${spec.targetKw}${extra(id)}
    assets:
      - {id: ${id}-grid, type: meter, binding: ${url(id, `${id}-grid`, 'vpp-sim-mqtt-meter')}}
      - {id: ${id}-bess, ${battery(spec.revertS ?? 30)}, binding: ${url(id, `${id}-bess`, 'vpp-sim-mqtt-battery')}}`;
  });
  return `${head}\ncontrol: {cycleS: 1}\nsites:\n${sites.join('\n')}\n`;
}

/** Starts `vpp sim` on the fleet and resolves with its endpoints once it reported all of them. */
export async function startFleetSim(spec: FleetSpec, dir: string, broker: { port: number; url: string }): Promise<{ sim: ReturnType<typeof spawnVpp>; endpoints: Endpoint[] }> {
  const file = join(dir, 'sim.yaml');
  await writeFile(file, simConfigText(spec, broker.port));
  // The runner also opens a Modbus port per site from --port-base (default 15020): a free one,
  // so that two fleets (tests running side by side) never meet there.
  const portBase = await freePort();
  const sim = spawnVpp(['sim', file, '--json', '--mqtt-url', broker.url, '--port-base', String(portBase)]);
  // Polled by hand: a sim that exits (a port taken, a bad config) fails at once, not at the deadline.
  const deadline = Date.now() + 180_000; // 510 devices on a loaded 2-core CI machine take a while
  let endpoints: Endpoint[] | undefined;
  while (endpoints === undefined) {
    const lines = sim.stdout().split('\n').filter((l) => l.startsWith('{'));
    if (lines.length >= spec.sites * 3) endpoints = lines.map((l) => JSON.parse(l) as Endpoint);
    else if (sim.child.exitCode !== null || Date.now() > deadline) {
      sim.child.kill('SIGKILL');
      throw new Error(`vpp sim ${sim.child.exitCode !== null ? `exited (${sim.child.exitCode})` : 'did not report every endpoint within 180 s'}: ${lines.length} of ${spec.sites * 3} endpoints\nvpp sim output:\n${sim.output().slice(-3000)}`);
    } else await new Promise((r) => setTimeout(r, 250));
  }
  return { sim, endpoints };
}

/** Ends a fleet test: kill -9 the controllers, stop the simulator, the watcher and the servers, remove the temp dir. */
export async function stopFleetRun(r: {
  readonly controllers: ReadonlyArray<{ readonly proc: ReturnType<typeof spawnVpp> }>;
  readonly sim: ReturnType<typeof spawnVpp> | undefined;
  readonly watch: FleetWatch | undefined;
  readonly servers: ReadonlyArray<{ stop(): Promise<void> } | undefined>;
  readonly dir: string | undefined;
}): Promise<void> {
  for (const c of r.controllers) c.proc.child.kill('SIGKILL');
  r.sim?.child.kill('SIGTERM');
  await r.sim?.exited;
  await r.watch?.close();
  await Promise.all(r.servers.map((s) => s?.stop()));
  if (r.dir !== undefined) await rm(r.dir, { recursive: true, force: true });
}

/** What crosses the broker, time-stamped on arrival: battery commands and grid meter readings per site. */
export interface FleetWatch {
  readonly commands: Map<string, number[]>;
  /** [arrival ms, site, kW] */
  readonly meter: Array<[number, string, number]>;
  /** The latest metered import per site among readings after `sinceMs`. */
  lastImport(sinceMs: number): Map<string, number>;
  close(): Promise<void>;
}

export async function watchFleet(brokerUrl: string): Promise<FleetWatch> {
  const client = mqtt.connect(brokerUrl, { reconnectPeriod: 500 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const commands = new Map<string, number[]>();
  const meter: Array<[number, string, number]> = [];
  client.on('message', (topic, payload) => {
    const now = Date.now();
    const parts = topic.split('/'); // vpp-sim/<site>/<site>/<site>-<asset>/<kind>
    const site = parts[2] ?? '';
    if (parts[4] === 'command') commands.set(site, [...(commands.get(site) ?? []), now]);
    else if (parts[3] === `${site}-grid` && parts[4] === 'telemetry') {
      try {
        const kw = (JSON.parse(payload.toString()) as { powerKw?: unknown }).powerKw;
        if (typeof kw === 'number') meter.push([now, site, kw]);
      } catch {
        // a test's own malformed payload on a meter topic: not a reading
      }
    }
  });
  // Resubscribe after a broker restart (a clean session forgets subscriptions).
  const topics = ['vpp-sim/+/+/+/command', 'vpp-sim/+/+/+/telemetry'];
  client.on('connect', () => void client.subscribeAsync(topics).catch(() => undefined));
  await client.subscribeAsync(topics);
  return {
    commands,
    meter,
    lastImport: (sinceMs) => {
      const last = new Map<string, number>();
      for (const [t, site, kw] of meter) if (t >= sinceMs) last.set(site, kw);
      return last;
    },
    close: () => client.endAsync(),
  };
}
