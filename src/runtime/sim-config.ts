import type { VppConfig } from '../config/index.js';
import { VppError } from '../domain/index.js';
import type { Scenario, ScenarioAsset, ScenarioSite, ServeProtocol } from '../../simulators/scenario/index.js';

/** A year: a config's demo has no end, so `vpp sim` on a config runs for this long. */
const CONFIG_SIM_DURATION_S = 365 * 24 * 3600;

function unitOf(binding: string): number | undefined {
  const m = /^modbus:\/\/[^/]+\/(\d+)$/.exec(binding);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** The protocol the simulator serves a device over: the one its binding speaks (`where` names the asset in errors). */
export function serveOf(binding: string, where: string): ServeProtocol {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(binding)?.[1]?.toLowerCase();
  if (scheme === 'modbus') return 'modbus';
  if (scheme === 'opc.tcp') return 'opcua';
  if (scheme === 'mqtt') return 'mqtt';
  throw new VppError('SIMULATION_BINDING', `${where}: a simulated device is served over modbus://, opc.tcp:// or mqtt://, got ${JSON.stringify(binding)}`);
}

/**
 * The devices a controller config describes, as a scenario, so `vpp sim config/default.yaml`
 * serves the same devices `npm start` simulates (each on the unit id its binding names).
 */
export function scenarioFromConfig(cfg: VppConfig): Scenario {
  const sim = cfg.simulation;
  if (sim === null) {
    throw new VppError('SIM_CONFIG_NOT_SIMULATED', `${cfg.source}: has no simulation section: give a scenario file, or add simulation: {startAt: …}`);
  }
  const sites: ScenarioSite[] = cfg.sites.map(({ site, simulate }) => {
    const meter = site.assets.find((a) => a.kind === 'meter');
    const assets: ScenarioAsset[] = [];
    for (const a of site.assets) {
      const how = simulate[a.id];
      const unit = unitOf(a.binding);
      const base = { id: a.id, siteId: site.id, serve: serveOf(a.binding, `site '${site.id}' asset '${a.id}'`), ...(unit !== undefined ? { unitId: unit } : {}) };
      if (a.kind === 'load' && how?.kind === 'load') assets.push({ ...base, kind: 'load', profile: how.profile, steps: [] });
      if (a.kind === 'pv' && how?.kind === 'pv') assets.push({ ...base, kind: 'pv', kwp: a.kwp, weather: how.weather });
      if (a.kind === 'battery' && how?.kind === 'battery') {
        // rampKwPerS is the controller's write limit, not the device's own ramp: not simulated.
        const { binding: _b, staleAfterS: _s, pollIntervalS: _p, kind: _k, id: _i, rampKwPerS: _r, mode: _m, ...limits } = a;
        assets.push({ ...base, ...limits, kind: 'battery', socPct: how.socPct });
      }
    }
    const meterUnit = meter === undefined ? undefined : unitOf(meter.binding);
    return {
      id: site.id,
      timezone: site.timezone,
      gridImportLimitKw: site.gridImportLimitKw,
      ...(site.gridExportLimitKw !== undefined ? { gridExportLimitKw: site.gridExportLimitKw } : {}),
      ...(site.peakTargetKw !== undefined ? { peakTargetKw: site.peakTargetKw } : {}),
      meter: { id: meter?.id ?? `${site.id}-meter`, serve: meter === undefined ? 'modbus' : serveOf(meter.binding, `site '${site.id}' asset '${meter.id}'`), ...(meterUnit !== undefined ? { unitId: meterUnit } : {}) },
      assets,
    };
  });
  const offsetMatch = /([+-])(\d{2}):(\d{2})$/.exec(sim.startAt);
  const startOffsetMin = offsetMatch === null ? 0 : (offsetMatch[1] === '-' ? -1 : 1) * (Number(offsetMatch[2]) * 60 + Number(offsetMatch[3]));
  return {
    version: 1,
    name: cfg.source,
    file: cfg.source,
    seed: 1,
    startMs: sim.startMs,
    startOffsetMin,
    durationS: CONFIG_SIM_DURATION_S,
    endMs: sim.startMs + CONFIG_SIM_DURATION_S * 1000,
    stepS: 1,
    steps: CONFIG_SIM_DURATION_S,
    forecast: { kind: 'perfect' },
    sites,
    events: [],
    faults: [],
  };
}
