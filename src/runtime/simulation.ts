import type { ConfiguredSite, VppConfig } from '../config/index.js';
import { VppError, type Site } from '../domain/index.js';
import { startScenario } from '../../simulators/scenario/runner/index.js';
import { scenarioFromConfig } from './sim-config.js';

export interface RunningSimulation {
  /** The sites with their bindings resolved (a port 0 in the config becomes the real port). */
  readonly sites: readonly ConfiguredSite[];
  close(): Promise<void>;
}

/** The one Modbus port a site's simulated devices share (all its bindings must name it). */
function sitePort(cs: ConfiguredSite): number {
  const ports = new Set(
    cs.site.assets.map((a) => {
      const url = new URL(a.binding);
      if (url.protocol !== 'modbus:' || !['127.0.0.1', 'localhost'].includes(url.hostname)) {
        throw new VppError('SIMULATION_BINDING', `site '${cs.site.id}' asset '${a.id}': a simulated device is served as modbus://127.0.0.1:PORT/UNIT, got ${a.binding}`);
      }
      return url.port === '' ? 502 : Number(url.port);
    }),
  );
  if (ports.size !== 1) {
    throw new VppError('SIMULATION_BINDING', `site '${cs.site.id}': simulated assets must share one host:port (one server per site), got ports ${[...ports].join(', ')}`);
  }
  return [...ports][0] as number;
}

/**
 * Runs the config's simulated devices (the demo) with the same runner as `vpp sim`: every
 * site a Modbus TCP server on the port its bindings name, every asset the unit id its binding
 * names, so the controller reaches them exactly as it reaches real ones.
 */
export async function startSimulation(cfg: VppConfig): Promise<RunningSimulation> {
  const sim = cfg.simulation;
  if (sim === null) return { sites: cfg.sites, close: async () => {} };
  const sitePorts = cfg.sites.map(sitePort);
  const run = await startScenario({ scenario: scenarioFromConfig(cfg), speed: sim.speed, portBase: 0, sitePorts });
  const portOf = new Map(run.endpoints.map((e) => [e.site, Number(new URL(e.url).port)]));
  return {
    sites: cfg.sites.map((cs) => ({ ...cs, site: resolvePort(cs.site, portOf.get(cs.site.id) ?? 0) })),
    close: () => run.close(),
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
