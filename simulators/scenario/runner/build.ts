import {
  BatteryModel,
  EvChargerModel,
  HvacModel,
  LoadModel,
  PvModel,
  SitePhysics,
  deriveSeed,
  loadBdewProfile,
  loadTmy3Weather,
  type PowerModel,
} from '../../models/index.js';
import type { Scenario, ScenarioAsset, ScenarioSite } from '../types.js';

/** One site of a scenario, ready to step: its physics and each asset's model by id. */
export interface BuiltSite {
  readonly spec: ScenarioSite;
  readonly physics: SitePhysics;
  readonly models: ReadonlyMap<string, PowerModel>;
}

function timing(a: ScenarioAsset): { responseDelayS?: number; rampKwPerS?: number } {
  return {
    ...(a.responseDelayS !== undefined ? { responseDelayS: a.responseDelayS } : {}),
    ...(a.rampKwPerS !== undefined ? { rampKwPerS: a.rampKwPerS } : {}),
  };
}

/** The physics model of one scenario asset, seeded from (scenario seed, asset id). */
export function buildModel(s: Scenario, site: ScenarioSite, a: ScenarioAsset, field: string): PowerModel {
  const common = { id: a.id, startMs: s.startMs, field };
  switch (a.kind) {
    case 'load': {
      const p = a.profile;
      const profile = 'bdew' in p ? { bdew: loadBdewProfile(p.bdew), annualKwh: p.annualKwh } : 'points' in p ? { points: p.points } : { constantKw: p.constantKw };
      return new LoadModel({
        ...common,
        timezone: site.timezone,
        profile,
        ...(a.noise !== undefined ? { noise: { pct: a.noise.pct, seed: deriveSeed(s.seed, a.id) } } : {}),
        steps: a.steps.map((st) => ({ at: st.atMs, deltaKw: st.deltaKw, ...(st.durationS !== undefined ? { durationS: st.durationS } : {}) })),
      });
    }
    case 'pv':
      return new PvModel({ ...common, ...timing(a), timezone: site.timezone, kwp: a.kwp, weather: loadTmy3Weather(a.weather), ...(a.acKw !== undefined ? { acKw: a.acKw } : {}) });
    case 'battery':
      return new BatteryModel({
        ...common,
        ...timing(a),
        capacityKwh: a.capacityKwh,
        maxChargeKw: a.maxChargeKw,
        maxDischargeKw: a.maxDischargeKw,
        socPct: a.socPct,
        minSocPct: a.minSocPct,
        maxSocPct: a.maxSocPct,
        chargeEfficiency: a.chargeEfficiency,
        dischargeEfficiency: a.dischargeEfficiency,
        ...(a.taperPct !== undefined ? { taperPct: a.taperPct } : {}),
        ...(a.fallback !== undefined ? { fallback: a.fallback } : {}),
      });
    case 'hvac': {
      const { id: _id, siteId: _s, serve: _v, unitId: _u, kind: _k, weather, ...thermal } = a;
      return new HvacModel({ ...common, ...thermal, timezone: site.timezone, weather: loadTmy3Weather(weather) });
    }
    case 'evCharger':
      return new EvChargerModel({
        ...common,
        ...timing(a),
        timezone: site.timezone,
        maxKw: a.maxKw,
        phases: a.phases,
        voltageV: a.voltageV,
        minA: a.minA,
        sessions: a.sessions,
      });
  }
}

/** Builds every site of a scenario at its start time. */
export function buildSites(s: Scenario): BuiltSite[] {
  return s.sites.map((site, i) => {
    const models = new Map<string, PowerModel>();
    site.assets.forEach((a, j) => models.set(a.id, buildModel(s, site, a, `sites[${i}].assets[${j}]`)));
    const lag = site.meter.lagS !== undefined ? { measurementLagS: site.meter.lagS } : {};
    return { spec: site, physics: new SitePhysics(s.startMs, [...models.values()], lag), models };
  });
}
