import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { parseDocument } from 'yaml';
import type { Static } from 'typebox';
import type { Asset } from '../domain/index.js';
import { evChargerAsset, hvacAsset, notSimulated } from './flex-assets.js';
import { ConfigError, joinPath } from './errors.js';
import { schemaProblems } from './validate.js';
import { AssetHeadSchema, BatterySchema, ConfigSchema, EvChargerSchema, HvacSchema, LoadSchema, MeterSchema, PvSchema, type SiteSchema } from './schema.js';
import type { AssetSimulation, ClusterConfig, ConfigProblem, ConfiguredSite, StoreConfig, VppConfig } from './types.js';
import { checkBinding, checkTimezone } from './checks.js';
import { buildPlanning } from './planning.js';
import { buildNorthbound } from './northbound.js';

const ASSET_SCHEMAS = { meter: MeterSchema, load: LoadSchema, pv: PvSchema, battery: BatterySchema, evCharger: EvChargerSchema, hvac: HvacSchema } as const;

/** Reads and validates a config file; throws ConfigError listing every problem. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = {}): VppConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file, env);
}

/** Validates YAML text; `file` names the source in error messages. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = {}): VppConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: pos ? `line ${pos.line}, column ${pos.col}` : '', message: `YAML syntax: ${(e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, '')}` };
      }),
    );
  }
  const raw: unknown = doc.toJS();
  const problems = schemaProblems(ConfigSchema, raw, '');
  if (problems.length > 0) {
    // Still check each asset entry, so one run lists every problem in the file.
    throw new ConfigError(file, [...problems, ...assetEntryProblems(raw)]);
  }
  const cfg = raw as Static<typeof ConfigSchema>;

  const simulated = cfg.simulation !== undefined;
  const sites: ConfiguredSite[] = [];
  const siteIds = new Map<string, number>();
  cfg.sites.forEach((s, i) => {
    const base = `sites[${i}]`;
    const first = siteIds.get(s.id);
    if (first !== undefined) problems.push({ path: `${base}.id`, message: `duplicate site id '${s.id}' (also sites[${first}])` });
    siteIds.set(s.id, i);
    const site = buildSite(s, base, simulated, problems, dirname(file));
    if (site !== null) sites.push(site);
  });
  if (simulated) uniqueSimulatedIds(cfg.sites, problems);
  const overrides = applyEnv(cfg, env, problems);
  if (cfg.simulation !== undefined && Number.isNaN(Date.parse(cfg.simulation.startAt))) {
    problems.push({ path: 'simulation.startAt', message: `not a valid date-time, got ${JSON.stringify(cfg.simulation.startAt)}` });
  }
  const cluster = clusterOf(cfg, env, problems);
  const northbound = buildNorthbound(cfg.northbound, cfg.sites.map((s) => s.id), env, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);

  return {
    source: file,
    http: { host: cfg.http?.host ?? '127.0.0.1', port: overrides.port ?? cfg.http?.port ?? 8080 },
    store: overrides.store,
    control: { cycleS: cfg.control?.cycleS ?? 1 },
    simulation:
      cfg.simulation === undefined
        ? null
        : { startAt: cfg.simulation.startAt, startMs: Date.parse(cfg.simulation.startAt), speed: cfg.simulation.speed ?? 1 },
    sites,
    ...(cluster === undefined ? {} : { cluster }),
    ...(northbound === undefined ? {} : { northbound }),
  };
}

function clusterOf(cfg: Static<typeof ConfigSchema>, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): ClusterConfig | undefined {
  const c = cfg.cluster;
  if (c === undefined) return undefined;
  if (cfg.simulation !== undefined) {
    problems.push({ path: 'cluster', message: 'cannot be combined with simulation: run the devices apart (`vpp sim`), so they outlive any one controller' });
  }
  const postgresUrl = env.VPP_POSTGRES_URL ?? c.postgresUrl;
  if (postgresUrl === undefined || postgresUrl === '') problems.push({ path: 'cluster.postgresUrl', message: 'is required (or set VPP_POSTGRES_URL)' });
  const controllerId = env.VPP_CONTROLLER_ID ?? c.controllerId ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 36)}-${process.pid}`;
  if (!/^[A-Za-z0-9_.-]{1,48}$/.test(controllerId)) {
    problems.push({ path: 'cluster.controllerId', message: `must be 1-48 of A-Z a-z 0-9 _ . - (VPP_CONTROLLER_ID included), got ${JSON.stringify(controllerId)}` });
  }
  return {
    postgresUrl: postgresUrl ?? '',
    controllerId,
    claimIntervalS: c.claimIntervalS ?? 1,
    ...(c.fleetMqttUrl === undefined ? {} : { fleetMqttUrl: c.fleetMqttUrl }),
  };
}

function assetEntryProblems(raw: unknown): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const sites = (raw as { sites?: unknown } | null)?.sites;
  if (!Array.isArray(sites)) return out;
  sites.forEach((site: unknown, i) => {
    const assets = (site as { assets?: unknown } | null)?.assets;
    if (!Array.isArray(assets)) return;
    assets.forEach((entry: unknown, j) => out.push(...assetEntrySchemaProblems(entry, `sites[${i}].assets[${j}]`)));
  });
  return out;
}

function assetEntrySchemaProblems(entry: unknown, path: string): ConfigProblem[] {
  const head = schemaProblems(AssetHeadSchema, entry, path);
  if (head.length > 0) return head;
  return schemaProblems(ASSET_SCHEMAS[(entry as { type: keyof typeof ASSET_SCHEMAS }).type], entry, path);
}

function buildSite(s: Static<typeof SiteSchema>, base: string, simulated: boolean, problems: ConfigProblem[], configDir = '.'): ConfiguredSite | null {
  const tzProblem = checkTimezone(s.timezone);
  if (tzProblem !== null) problems.push({ path: `${base}.timezone`, message: tzProblem });
  if (s.peakTargetKw !== undefined && s.peakTargetKw > s.gridImportLimitKw) {
    problems.push({ path: `${base}.peakTargetKw`, message: `must be <= gridImportLimitKw (${s.gridImportLimitKw}), got ${s.peakTargetKw}` });
  }
  const assets: Asset[] = [];
  const simulate: Record<string, AssetSimulation> = {};
  const revertS: Record<string, number> = {};
  const ids = new Map<string, number>();
  s.assets.forEach((entry, j) => {
    const path = joinPath(`${base}.assets`, j);
    const own = assetEntrySchemaProblems(entry, path);
    if (own.length > 0) return void problems.push(...own);
    const built = buildAsset(entry as AssetEntry, path, simulated, problems);
    const first = ids.get(built.asset.id);
    if (first !== undefined) problems.push({ path: `${path}.id`, message: `duplicate asset id '${built.asset.id}' in this site (also assets[${first}])` });
    ids.set(built.asset.id, j);
    assets.push(built.asset);
    if (built.simulate !== null) simulate[built.asset.id] = built.simulate;
    if (built.revertS !== null) revertS[built.asset.id] = built.revertS;
  });
  if (assets.length > 0 && !assets.some((a) => a.kind === 'meter')) {
    problems.push({ path: `${base}.assets`, message: 'needs the grid meter: an asset with type: meter' });
  }
  const site = {
    id: s.id,
    name: s.name ?? s.id,
    timezone: s.timezone,
    gridImportLimitKw: s.gridImportLimitKw,
    ...(s.gridExportLimitKw !== undefined ? { gridExportLimitKw: s.gridExportLimitKw } : {}),
    ...(s.peakTargetKw !== undefined ? { peakTargetKw: s.peakTargetKw } : {}),
    ...(s.rechargeBelowKw !== undefined ? { rechargeBelowKw: s.rechargeBelowKw } : {}),
    ...(s.simpleShedKw !== undefined ? { simpleShedKw: simpleShed(s.simpleShedKw, `${base}.simpleShedKw`, problems) } : {}),
    ...(s.mode !== undefined ? { mode: s.mode } : {}),
    assets,
  };
  const planning = buildPlanning(s, base, problems, configDir);
  return { site, simulate, revertS, ...(planning !== undefined ? { planning } : {}) };
}

/** Level 0 is normal operation (0 kW), and a higher level never sheds less (control/README.md). */
function simpleShed(kw: readonly number[], path: string, problems: ConfigProblem[]): readonly [number, number, number, number] {
  if (kw[0] !== 0) problems.push({ path: `${path}[0]`, message: `must be 0 (level 0 is normal operation), got ${kw[0]}` });
  kw.forEach((v, i) => {
    const prev = kw[i - 1];
    if (prev !== undefined && v < prev) problems.push({ path: `${path}[${i}]`, message: `must be >= ${path}[${i - 1}] (${prev}), got ${v}` });
  });
  return [kw[0] ?? 0, kw[1] ?? 0, kw[2] ?? 0, kw[3] ?? 0];
}

type AssetEntry =
  | Static<typeof MeterSchema>
  | Static<typeof LoadSchema>
  | Static<typeof PvSchema>
  | Static<typeof BatterySchema>
  | Static<typeof EvChargerSchema>
  | Static<typeof HvacSchema>;

interface BuiltAsset {
  readonly asset: Asset;
  readonly simulate: AssetSimulation | null;
  readonly revertS: number | null;
}

function buildAsset(e: AssetEntry, path: string, simulated: boolean, problems: ConfigProblem[]): BuiltAsset {
  const bindingProblem = checkBinding(e.binding, simulated, e.type);
  if (bindingProblem !== null) problems.push({ path: `${path}.binding`, message: bindingProblem });
  const pollIntervalS = e.pollIntervalS ?? 1;
  const common = {
    id: e.id,
    binding: e.binding,
    pollIntervalS,
    staleAfterS: e.staleAfterS ?? Math.max(5, 5 * pollIntervalS),
    ...(e.mode !== undefined ? { mode: e.mode } : {}),
  };
  switch (e.type) {
    case 'meter':
      return { asset: { ...common, kind: 'meter', ...(e.invert === true ? { invert: true } : {}) }, simulate: simulated ? { kind: 'meter' } : null, revertS: null };
    case 'load': {
      let sim: AssetSimulation | null = null;
      if (simulated) {
        const p = e.simulate?.profile;
        if (p?.constantKw !== undefined) sim = { kind: 'load', profile: { constantKw: p.constantKw } };
        else if (p?.bdew !== undefined && p.annualKwh !== undefined) sim = { kind: 'load', profile: { bdew: p.bdew, annualKwh: p.annualKwh } };
        else problems.push({ path: `${path}.simulate.profile`, message: 'is required with simulation: give {bdew, annualKwh} or {constantKw}' });
      }
      return { asset: { ...common, kind: 'load' }, simulate: sim, revertS: null };
    }
    case 'pv':
      return {
        asset: { ...common, kind: 'pv', kwp: e.kwp },
        simulate: simulated ? { kind: 'pv', weather: e.simulate?.weather ?? 'tmy3-723170' } : null,
        revertS: null,
      };
    case 'battery': {
      const minSocPct = e.minSocPct ?? 10;
      const maxSocPct = e.maxSocPct ?? 95;
      if (minSocPct >= maxSocPct) problems.push({ path: `${path}.minSocPct`, message: `must be < maxSocPct (${maxSocPct}), got ${minSocPct}` });
      const socPct = e.simulate?.socPct ?? (minSocPct + maxSocPct) / 2;
      if (simulated && (socPct < minSocPct || socPct > maxSocPct)) {
        problems.push({ path: `${path}.simulate.socPct`, message: `must be within [minSocPct, maxSocPct] = [${minSocPct}, ${maxSocPct}], got ${socPct}` });
      }
      return {
        asset: {
          ...common,
          kind: 'battery',
          capacityKwh: e.capacityKwh,
          maxChargeKw: e.maxChargeKw,
          maxDischargeKw: e.maxDischargeKw,
          minSocPct,
          maxSocPct,
          chargeEfficiency: e.chargeEfficiency ?? 0.95,
          dischargeEfficiency: e.dischargeEfficiency ?? 0.95,
          ...(e.rampKwPerS !== undefined ? { rampKwPerS: e.rampKwPerS } : {}),
          ...(e.gridChargingAllowed !== undefined ? { gridChargingAllowed: e.gridChargingAllowed } : {}),
        },
        simulate: simulated ? { kind: 'battery', socPct } : null,
        revertS: e.revertS ?? 30,
      };
    }
    case 'evCharger':
      return { asset: { ...common, ...evChargerAsset(e, path, problems) }, simulate: notSimulated(e.type, path, simulated, problems), revertS: e.revertS ?? 30 };
    case 'hvac':
      return { asset: { ...common, ...hvacAsset(e, path, problems) }, simulate: notSimulated(e.type, path, simulated, problems), revertS: null };
  }
}

function applyEnv(cfg: Static<typeof ConfigSchema>, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): { port: number | undefined; store: StoreConfig } {
  let port: number | undefined;
  const rawPort = env.VPP_HTTP_PORT;
  if (rawPort !== undefined && rawPort !== '') {
    port = Number(rawPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      problems.push({ path: '', message: `environment VPP_HTTP_PORT: must be an integer port 0..65535, got ${JSON.stringify(rawPort)}` });
      port = undefined;
    }
  }
  const s = cfg.store;
  let store: StoreConfig;
  if (s?.kind === 'influx') {
    if (s.url === undefined) problems.push({ path: 'store.url', message: 'is required when store.kind is influx' });
    store = { kind: 'influx', url: env.VPP_INFLUX_URL ?? s.url ?? '', database: s.database ?? 'vpp' };
  } else {
    const dataDir = env.VPP_DATA_DIR !== undefined && env.VPP_DATA_DIR !== '' ? env.VPP_DATA_DIR : s?.dataDir ?? './data';
    store = { kind: 'sqlite', dataDir };
  }
  if (s?.retention !== undefined) {
    // InfluxDB keeps nothing for less than an hour; both stores take the same values (src/store/retention.ts).
    for (const [k, v] of Object.entries(s.retention)) {
      if (typeof v === 'number' && v > 0 && v < 1 / 24) problems.push({ path: `store.retention.${k}`, message: `must be 0 (keep forever) or at least 1/24 day (one hour), got ${v}` });
    }
    store = { ...store, retention: s.retention };
  }
  if (s?.spool !== undefined) store = { ...store, spool: s.spool };
  return { port, store };
}

/**
 * The simulators know a device by its id alone (a scenario's faults name devices that way), so a
 * simulated config may not give two sites' assets the same id: the two would become one device.
 */
function uniqueSimulatedIds(sites: ReadonlyArray<{ readonly assets: readonly unknown[] }>, problems: ConfigProblem[]): void {
  const seen = new Map<string, string>();
  sites.forEach((s, i) =>
    s.assets.forEach((a, j) => {
      const id = (a as { id?: unknown }).id;
      if (typeof id !== 'string') return;
      const first = seen.get(id);
      const here = `sites[${i}].assets[${j}]`;
      if (first !== undefined && !first.startsWith(`sites[${i}].`)) {
        problems.push({ path: `${here}.id`, message: `must be unique across the sites of a simulated config (the simulators know a device by its id), got '${id}' (also ${first})` });
      } else if (first === undefined) seen.set(id, here);
    }),
  );
}
