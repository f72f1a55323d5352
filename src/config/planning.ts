import Type, { type Static } from 'typebox';
import { readCarbonCsv, type CarbonSeries } from './carbon.js';

/** A config problem (types.ts's ConfigProblem; named here so that types.ts may import this file). */
interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * What a site's planner needs beyond its assets (issue 6): a tariff, grid carbon, where the
 * site is (for the PV clear-sky forecast) and how to forecast its load. `tariff:` and `carbon:`
 * have the scenario file's shapes (CONTRACTS.md), so a replayed scenario and a live site read
 * the same lines.
 */
const LocalTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$' });
const Price = Type.Number();
const BdewProfile = Type.Object(
  { bdew: Type.Enum(['g25', 'h25', 'l25']), annualKwh: Type.Number({ exclusiveMinimum: 0 }) },
  { additionalProperties: false },
);

export const TariffSchema = Type.Object(
  {
    /** Time of use in the site's local time; the periods cover 00:00-24:00 without overlap. */
    import: Type.Array(Type.Object({ from: LocalTime, to: LocalTime, pricePerKwh: Price }, { additionalProperties: false }), { minItems: 1 }),
    exportPricePerKwh: Type.Optional(Price),
    /** On the peak 15-minute average import. */
    demandChargePerKw: Type.Optional(Type.Number({ minimum: 0 })),
    /** block: clock-aligned quarter hours; sliding: 15 min moved each minute (滑差). Default block. */
    demandWindow: Type.Optional(Type.Enum(['block', 'sliding'])),
  },
  { additionalProperties: false },
);

/**
 * Exactly one of: a constant factor, or a `time,kgPerKwh` CSV (relative to the config file) whose
 * rows hold until the next; `pricePerKg` (our extension of the scenario shape) weighs each kg in
 * the plan's objective, so that a series moves charging to cleaner hours.
 */
export const CarbonSchema = Type.Object(
  {
    gridKgPerKwh: Type.Optional(Type.Number({ minimum: 0 })),
    csv: Type.Optional(Type.String({ minLength: 1 })),
    pricePerKg: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const LocationSchema = Type.Object(
  { latDeg: Type.Number({ minimum: -90, maximum: 90 }), lonDeg: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
);

/** `load` is checked by hand (buildForecast): a union's schema error would not name the choice. */
export const ForecastSchema = Type.Object(
  {
    load: Type.Unknown(),
    fallback: Type.Optional(BdewProfile),
    /** PV from a weather file's irradiance instead of the clear sky (gaps still fall back to it). */
    pv: Type.Optional(Type.Object({ weather: Type.Enum(['tmy3-723170']) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export interface BdewForecastProfile {
  readonly bdew: 'g25' | 'h25' | 'l25';
  readonly annualKwh: number;
}

/** A time-of-use period, minutes after local midnight, [fromMin, toMin). */
export interface TariffPeriodMin {
  readonly fromMin: number;
  readonly toMin: number;
  readonly pricePerKwh: number;
}

export interface SiteTariff {
  /** Sorted by fromMin; they cover 0..1440 without gap or overlap. */
  readonly import: readonly TariffPeriodMin[];
  readonly exportPricePerKwh?: number;
  readonly demandChargePerKw?: number;
  readonly demandWindow: 'block' | 'sliding';
}

/**
 * The load forecast: a standard load profile, or persistence of the site's own metered history
 * (yesterday's same quarter hour), with the profile where the history has no value.
 */
export type SiteLoadForecast =
  | ({ readonly kind: 'profile' } & BdewForecastProfile)
  | { readonly kind: 'persistence'; readonly fallback?: BdewForecastProfile };

export interface SitePlanning {
  readonly tariff?: SiteTariff;
  readonly carbon?: { readonly gridKgPerKwh: number };
  /** `carbon: {csv}`: a time-varying grid factor. */
  readonly carbonSeries?: CarbonSeries;
  /** `carbon.pricePerKg`: the planner's cost of a kg of CO2 (currency/kg); absent, carbon is reported, not planned for. */
  readonly carbonPricePerKg?: number;
  readonly location?: { readonly latDeg: number; readonly lonDeg: number };
  readonly forecast?: SiteLoadForecast;
  /** The weather file whose irradiance forecasts the site's PV; absent: clear sky at `location`. */
  readonly pvWeather?: 'tmy3-723170';
}

interface PlanningEntry {
  readonly tariff?: Static<typeof TariffSchema>;
  readonly carbon?: Static<typeof CarbonSchema>;
  readonly location?: Static<typeof LocationSchema>;
  readonly forecast?: Static<typeof ForecastSchema>;
}

const hhmm = (min: number): string => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
const minutes = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** The planning part of a site entry (already schema-checked), or undefined when it has none. */
/** `baseDir`: where a `carbon: {csv}` path starts (the config file's directory). */
export function buildPlanning(s: PlanningEntry, base: string, problems: ConfigProblem[], baseDir = '.'): SitePlanning | undefined {
  if (s.tariff === undefined && s.carbon === undefined && s.location === undefined && s.forecast === undefined) return undefined;
  const tariff = s.tariff === undefined ? undefined : buildTariff(s.tariff, `${base}.tariff`, problems);
  const forecast = s.forecast === undefined ? undefined : buildForecast(s.forecast, `${base}.forecast`, problems);
  return {
    ...(tariff !== undefined ? { tariff } : {}),
    ...carbonOf(s.carbon, `${base}.carbon`, baseDir, problems),
    ...(s.location !== undefined ? { location: { latDeg: s.location.latDeg, lonDeg: s.location.lonDeg } } : {}),
    ...(forecast !== undefined ? { forecast } : {}),
    ...(s.forecast?.pv !== undefined ? { pvWeather: s.forecast.pv.weather } : {}),
  };
}

function buildTariff(t: Static<typeof TariffSchema>, path: string, problems: ConfigProblem[]): SiteTariff | undefined {
  const before = problems.length;
  const periods: (TariffPeriodMin & { readonly i: number })[] = [];
  t.import.forEach((p, i) => {
    const fromMin = minutes(p.from);
    const toMin = minutes(p.to);
    if (fromMin === 1440) problems.push({ path: `${path}.import[${i}].from`, message: `must be before 24:00, got "${p.from}"` });
    else if (toMin <= fromMin) problems.push({ path: `${path}.import[${i}].to`, message: `must be after from (${p.from}); split a period that crosses midnight in two, got "${p.to}"` });
    else periods.push({ fromMin, toMin, pricePerKwh: p.pricePerKwh, i });
  });
  if (problems.length > before) return undefined;
  periods.sort((a, b) => a.fromMin - b.fromMin);
  let coveredTo = 0;
  for (const p of periods) {
    if (p.fromMin > coveredTo) problems.push({ path: `${path}.import`, message: `must cover 00:00-24:00 without gaps: nothing covers ${hhmm(coveredTo)}-${hhmm(p.fromMin)}` });
    if (p.fromMin < coveredTo) problems.push({ path: `${path}.import[${p.i}].from`, message: `overlaps an earlier period that runs to ${hhmm(coveredTo)}, got "${hhmm(p.fromMin)}"` });
    coveredTo = Math.max(coveredTo, p.toMin);
  }
  if (coveredTo < 1440) problems.push({ path: `${path}.import`, message: `must cover 00:00-24:00 without gaps: nothing covers ${hhmm(coveredTo)}-24:00` });
  if (problems.length > before) return undefined;
  return {
    import: periods.map(({ fromMin, toMin, pricePerKwh }) => ({ fromMin, toMin, pricePerKwh })),
    ...(t.exportPricePerKwh !== undefined ? { exportPricePerKwh: t.exportPricePerKwh } : {}),
    ...(t.demandChargePerKw !== undefined ? { demandChargePerKw: t.demandChargePerKw } : {}),
    demandWindow: t.demandWindow ?? 'block',
  };
}

const PROFILES = ['g25', 'h25', 'l25'];

function buildForecast(f: Static<typeof ForecastSchema>, path: string, problems: ConfigProblem[]): SiteLoadForecast | undefined {
  const load: unknown = f.load;
  if (load === 'persistence') return { kind: 'persistence', ...(f.fallback !== undefined ? { fallback: { bdew: f.fallback.bdew, annualKwh: f.fallback.annualKwh } } : {}) };
  const p = load as { bdew?: unknown; annualKwh?: unknown } | null;
  const keys = typeof load === 'object' && load !== null ? Object.keys(load) : [];
  if (p === null || typeof load !== 'object' || keys.some((k) => k !== 'bdew' && k !== 'annualKwh')) {
    problems.push({ path: `${path}.load`, message: `must be persistence or {bdew: g25|h25|l25, annualKwh}, got ${JSON.stringify(load) ?? 'nothing'}` });
    return undefined;
  }
  const before = problems.length;
  if (typeof p.bdew !== 'string' || !PROFILES.includes(p.bdew)) problems.push({ path: `${path}.load.bdew`, message: `must be one of g25, h25, l25, got ${JSON.stringify(p.bdew) ?? 'nothing'}` });
  if (typeof p.annualKwh !== 'number' || !(p.annualKwh > 0) || !Number.isFinite(p.annualKwh)) {
    problems.push({ path: `${path}.load.annualKwh`, message: `must be a number > 0, got ${JSON.stringify(p.annualKwh) ?? 'nothing'}` });
  }
  if (f.fallback !== undefined) problems.push({ path: `${path}.fallback`, message: 'is for load: persistence only (a profile needs no fallback)' });
  if (problems.length > before) return undefined;
  return { kind: 'profile', bdew: p.bdew as BdewForecastProfile['bdew'], annualKwh: p.annualKwh as number };
}

function carbonOf(c: Static<typeof CarbonSchema> | undefined, path: string, baseDir: string, problems: ConfigProblem[]): Pick<SitePlanning, 'carbon' | 'carbonSeries' | 'carbonPricePerKg'> {
  if (c === undefined) return {};
  if ((c.gridKgPerKwh === undefined) === (c.csv === undefined)) {
    problems.push({ path, message: `must give exactly one of gridKgPerKwh or csv, got ${JSON.stringify(c)}` });
    return {};
  }
  const price = c.pricePerKg === undefined ? {} : { carbonPricePerKg: c.pricePerKg };
  if (c.gridKgPerKwh !== undefined) return { carbon: { gridKgPerKwh: c.gridKgPerKwh }, ...price };
  const series = readCarbonCsv(c.csv ?? '', baseDir, `${path}.csv`, problems);
  return series === undefined ? {} : { carbonSeries: series, ...price };
}
