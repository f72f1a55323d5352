import type { ConfiguredSite, VppConfig } from '../config/index.js';
import { VppError, type Asset, type Site } from '../domain/index.js';
import { startSimulatedSite, type SimulatedSite, type SimulatedSiteOptions } from '../../simulators/servers/site/index.js';

export interface RunningSimulation {
  /** The sites with their bindings resolved (a port 0 in the config becomes the real port). */
  readonly sites: readonly ConfiguredSite[];
  close(): Promise<void>;
}

interface ModbusBinding {
  readonly host: string;
  readonly port: number;
  readonly unit: number;
}

function modbusBinding(asset: Asset, siteId: string): ModbusBinding {
  const url = new URL(asset.binding);
  const unit = Number(url.pathname.replace(/^\//, ''));
  if (url.protocol !== 'modbus:' || !['127.0.0.1', 'localhost'].includes(url.hostname) || !Number.isInteger(unit)) {
    throw new VppError(
      'SIMULATION_BINDING',
      `site '${siteId}' asset '${asset.id}': a simulated device is served as modbus://127.0.0.1:PORT/UNIT, got ${asset.binding}`,
    );
  }
  return { host: url.hostname, port: url.port === '' ? 502 : Number(url.port), unit };
}

/**
 * Starts one simulated SunSpec Modbus TCP server per site, every asset of the site a unit id
 * on it, so that the controller reaches the demo's devices exactly as it reaches real ones.
 */
export async function startSimulation(cfg: VppConfig): Promise<RunningSimulation> {
  const sim = cfg.simulation;
  if (sim === null) return { sites: cfg.sites, close: async () => {} };
  const running: SimulatedSite[] = [];
  const sites: ConfiguredSite[] = [];
  try {
    for (const cs of cfg.sites) {
      const bindings = new Map(cs.site.assets.map((a) => [a.id, modbusBinding(a, cs.site.id)]));
      const ports = new Set([...bindings.values()].map((b) => b.port));
      if (ports.size !== 1) {
        throw new VppError('SIMULATION_BINDING', `site '${cs.site.id}': simulated assets must share one host:port (one server per site), got ports ${[...ports].join(', ')}`);
      }
      const first = [...bindings.values()][0] as ModbusBinding;
      const server = await startSimulatedSite(simulatedSiteOptions(cs, bindings, first, sim));
      running.push(server);
      sites.push({ ...cs, site: resolvePort(cs.site, server.port) });
    }
  } catch (err) {
    await Promise.allSettled(running.map((r) => r.close()));
    throw err;
  }
  return { sites, close: async () => void (await Promise.allSettled(running.map((r) => r.close()))) };
}

function simulatedSiteOptions(
  cs: ConfiguredSite,
  bindings: ReadonlyMap<string, ModbusBinding>,
  server: ModbusBinding,
  sim: NonNullable<VppConfig['simulation']>,
): SimulatedSiteOptions {
  const unitOf = (a: Asset): number => (bindings.get(a.id) as ModbusBinding).unit;
  const meter = cs.site.assets.find((a) => a.kind === 'meter') as Asset;
  const assets: SimulatedSiteOptions['assets'][number][] = [];
  for (const a of cs.site.assets) {
    const how = cs.simulate[a.id];
    if (a.kind === 'load' && how?.kind === 'load') assets.push({ kind: 'load', id: a.id, unitId: unitOf(a), profile: how.profile });
    if (a.kind === 'pv' && how?.kind === 'pv') assets.push({ kind: 'pv', id: a.id, unitId: unitOf(a), kwp: a.kwp, weather: how.weather });
    if (a.kind === 'battery' && how?.kind === 'battery') {
      assets.push({
        kind: 'battery', id: a.id, unitId: unitOf(a), capacityKwh: a.capacityKwh, maxChargeKw: a.maxChargeKw, maxDischargeKw: a.maxDischargeKw,
        socPct: how.socPct, minSocPct: a.minSocPct, maxSocPct: a.maxSocPct, chargeEfficiency: a.chargeEfficiency, dischargeEfficiency: a.dischargeEfficiency,
      });
    }
  }
  return {
    siteId: cs.site.id,
    timezone: cs.site.timezone,
    startAt: sim.startAt,
    speed: sim.speed,
    host: server.host,
    port: server.port,
    meterUnitId: unitOf(meter),
    assets,
  };
}

function resolvePort(site: Site, port: number): Site {
  return {
    ...site,
    assets: site.assets.map((a) => {
      const url = new URL(a.binding);
      url.port = String(port);
      return { ...a, binding: url.toString() };
    }),
  };
}
