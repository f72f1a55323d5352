import type { Static } from 'typebox';
import type { BuildContext } from './build-top.js';
import { readCsvSeries } from './csv.js';
import type { BatterySchema, EvChargerSchema, HvacSchema, LoadSchema, PvSchema } from './schema/index.js';
import { DAY_MS, isoToMs, localDayUtcMs, localTimeToMin, localToMs } from './time.js';
import type { EvSession, ScenarioAsset, ScenarioBattery, ScenarioEvCharger, ScenarioLoad, ScenarioLoadProfile } from './types.js';

/** Turns one schema-checked asset entry into its typed form, adding the checks between fields. */
export interface AssetSiteContext {
  readonly siteId: string;
  /** Null when the site's zone is itself invalid: zone-dependent checks are then skipped. */
  readonly timezone: string | null;
  /** Field prefix, e.g. `sites[0].assets[4]`. */
  readonly field: string;
}

type Raw =
  | Static<typeof LoadSchema>
  | Static<typeof PvSchema>
  | Static<typeof BatterySchema>
  | Static<typeof HvacSchema>
  | Static<typeof EvChargerSchema>;

export function buildAsset(a: Raw, site: AssetSiteContext, ctx: BuildContext): ScenarioAsset | null {
  const base = {
    id: a.id,
    siteId: site.siteId,
    serve: a.serve ?? 'modbus',
    ...(a.unitId !== undefined ? { unitId: a.unitId } : {}),
    ...(a.responseDelayS !== undefined ? { responseDelayS: a.responseDelayS } : {}),
    ...(a.rampKwPerS !== undefined ? { rampKwPerS: a.rampKwPerS } : {}),
  };
  switch (a.type) {
    case 'load':
      return buildLoad(a, base, site, ctx);
    case 'pv':
      return { ...base, kind: 'pv', kwp: a.kwp, weather: a.weather, ...(a.acKw !== undefined ? { acKw: a.acKw } : {}) };
    case 'battery':
      return buildBattery(a, base, site, ctx);
    case 'hvac': {
      const { type: _t, id: _i, serve: _s, unitId: _u, responseDelayS: _d, rampKwPerS: _r, ...rest } = a;
      return { ...rest, ...base, kind: 'hvac', mode: a.mode ?? 'cooling', weather: a.weather ?? 'tmy3-723170' };
    }
    case 'evCharger':
      return buildEvCharger(a, base, site, ctx);
  }
}

type Base = Pick<ScenarioLoad, 'id' | 'siteId' | 'serve' | 'unitId' | 'responseDelayS' | 'rampKwPerS'>;

function buildLoad(a: Static<typeof LoadSchema>, base: Base, site: AssetSiteContext, ctx: BuildContext): ScenarioLoad | null {
  const p = a.profile;
  const f = `${site.field}.profile`;
  const forms = [p.bdew !== undefined || p.annualKwh !== undefined, p.constantKw !== undefined, p.csv !== undefined].filter(Boolean).length;
  let profile: ScenarioLoadProfile | null = null;
  if (forms !== 1) {
    ctx.problems.add(f, 'must be one of {bdew, annualKwh}, {constantKw} or {csv}', p);
  } else if (p.bdew !== undefined || p.annualKwh !== undefined) {
    if (p.bdew === undefined) ctx.problems.add(`${f}.bdew`, 'is required with annualKwh', undefined);
    else if (p.annualKwh === undefined) ctx.problems.add(`${f}.annualKwh`, 'is required with bdew', undefined);
    else profile = { bdew: p.bdew, annualKwh: p.annualKwh };
  } else if (p.constantKw !== undefined) {
    profile = { constantKw: p.constantKw };
  } else if (p.csv !== undefined && Number.isFinite(ctx.startMs)) {
    const s = readCsvSeries({ path: p.csv, baseDir: ctx.baseDir, column: 'powerKw', min: 0, startMs: ctx.startMs, field: `${f}.csv` }, ctx.problems);
    if (s !== null) profile = { csv: s.file, points: s.points.map((x) => ({ atMs: x.atMs, powerKw: x.value })) };
  }
  const steps = (a.steps ?? []).flatMap((s, i) => {
    const atMs = isoToMs(s.at);
    if (!Number.isFinite(atMs)) {
      ctx.problems.add(`${site.field}.steps[${i}].at`, 'is not a valid date', s.at);
      return [];
    }
    if (Number.isFinite(ctx.startMs) && (atMs < ctx.startMs || atMs >= ctx.endMs)) {
      ctx.problems.add(`${site.field}.steps[${i}].at`, 'must lie inside the scenario', s.at);
      return [];
    }
    return [{ atMs, deltaKw: s.deltaKw, ...(s.durationS !== undefined ? { durationS: s.durationS } : {}) }];
  });
  if (profile === null) return null;
  return { ...base, kind: 'load', profile, steps, ...(a.noise !== undefined ? { noise: { pct: a.noise.pct } } : {}) };
}

function buildBattery(a: Static<typeof BatterySchema>, base: Base, site: AssetSiteContext, ctx: BuildContext): ScenarioBattery | null {
  const minSocPct = a.minSocPct ?? 10;
  const maxSocPct = a.maxSocPct ?? 95;
  const socPct = a.socPct ?? (minSocPct + maxSocPct) / 2;
  const before = ctx.problems.count;
  if (minSocPct >= maxSocPct) ctx.problems.add(`${site.field}.maxSocPct`, `must be > minSocPct (${minSocPct})`, maxSocPct);
  else if (socPct < minSocPct || socPct > maxSocPct) ctx.problems.add(`${site.field}.socPct`, `must lie within [minSocPct, maxSocPct] = [${minSocPct}, ${maxSocPct}]`, socPct);
  if (ctx.problems.count > before) return null;
  const fb = a.fallback;
  const fallback = fb === undefined ? undefined : fb === 'idle' ? ({ kind: 'idle' } as const) : 'powerKw' in fb ? ({ kind: 'powerKw', powerKw: fb.powerKw } as const) : ({ kind: 'limitPct', pct: fb.limitPct } as const);
  if (fallback?.kind === 'powerKw' && (fallback.powerKw > a.maxChargeKw || -fallback.powerKw > a.maxDischargeKw)) {
    ctx.problems.add(`${site.field}.fallback.powerKw`, `must lie within [-maxDischargeKw, maxChargeKw] = [${-a.maxDischargeKw}, ${a.maxChargeKw}]`, fallback.powerKw);
    return null;
  }
  return {
    ...base,
    kind: 'battery',
    capacityKwh: a.capacityKwh,
    maxChargeKw: a.maxChargeKw,
    maxDischargeKw: a.maxDischargeKw,
    socPct,
    minSocPct,
    maxSocPct,
    chargeEfficiency: a.chargeEfficiency ?? 0.95,
    dischargeEfficiency: a.dischargeEfficiency ?? 0.95,
    ...(a.taperPct !== undefined ? { taperPct: a.taperPct } : {}),
    ...(fallback !== undefined ? { fallback } : {}),
  };
}

function buildEvCharger(a: Static<typeof EvChargerSchema>, base: Base, site: AssetSiteContext, ctx: BuildContext): ScenarioEvCharger | null {
  const f = site.field;
  const phases = a.phases ?? 3;
  const voltageV = a.voltageV ?? 230;
  const minA = a.minA ?? 6;
  const common = { ...base, kind: 'evCharger' as const, maxKw: a.maxKw, phases, voltageV, minA };
  const dailyGiven = [a.arrives, a.departs, a.energyNeededKwh].filter((x) => x !== undefined).length;
  if ((dailyGiven > 0) === (a.sessions !== undefined) || (dailyGiven > 0 && dailyGiven < 3)) {
    ctx.problems.add(f, 'must give either arrives, departs and energyNeededKwh (daily) or sessions', { arrives: a.arrives, departs: a.departs, energyNeededKwh: a.energyNeededKwh, sessions: a.sessions?.length });
    return null;
  }
  if ((minA * voltageV * phases) / 1000 > a.maxKw) {
    ctx.problems.add(`${f}.maxKw`, `must be at least the minimum charging power minA × voltageV × phases = ${(minA * voltageV * phases) / 1000} kW`, a.maxKw);
    return null;
  }
  if (a.sessions !== undefined) {
    const sessions: EvSession[] = [];
    a.sessions.forEach((s, i) => {
      const arrivesMs = isoToMs(s.arrives);
      const departsMs = isoToMs(s.departs);
      if (!(departsMs > arrivesMs)) return ctx.problems.add(`${f}.sessions[${i}].departs`, `must be after arrives (${s.arrives})`, s.departs);
      const prev = sessions[sessions.length - 1];
      if (prev !== undefined && arrivesMs < prev.departsMs) return ctx.problems.add(`${f}.sessions[${i}].arrives`, 'must not be before the previous session departs', s.arrives);
      sessions.push({ arrivesMs, departsMs, energyNeededKwh: s.energyNeededKwh });
    });
    return { ...common, sessions };
  }
  const arrivesMin = localTimeToMin(a.arrives ?? '');
  const departsMin = localTimeToMin(a.departs ?? '');
  const energyNeededKwh = a.energyNeededKwh ?? NaN;
  if (arrivesMin === departsMin || arrivesMin === 1440 || departsMin === 1440) {
    ctx.problems.add(`${f}.departs`, `must differ from arrives (${a.arrives}) and both lie within 00:00-23:59`, a.departs);
    return null;
  }
  const daily = { arrivesMin, departsMin, energyNeededKwh };
  if (site.timezone === null || !Number.isFinite(ctx.startMs)) return { ...common, daily, sessions: [] };
  return { ...common, daily, sessions: expandDaily(daily, site.timezone, ctx.startMs, ctx.endMs) };
}

/** Daily sessions that overlap [startMs, endMs), in local time of `zone` (DST-aware). */
export function expandDaily(d: { arrivesMin: number; departsMin: number; energyNeededKwh: number }, zone: string, startMs: number, endMs: number): EvSession[] {
  const out: EvSession[] = [];
  const overnight = d.departsMin < d.arrivesMin;
  // Start a day early: an overnight session from the evening before may still be plugged in.
  for (let day = localDayUtcMs(startMs, zone) - DAY_MS; day <= localDayUtcMs(endMs, zone); day += DAY_MS) {
    const arrivesMs = localToMs(day, d.arrivesMin, zone);
    const departsMs = localToMs(overnight ? day + DAY_MS : day, d.departsMin, zone);
    if (departsMs > startMs && arrivesMs < endMs) out.push({ arrivesMs, departsMs, energyNeededKwh: d.energyNeededKwh });
  }
  return out;
}
