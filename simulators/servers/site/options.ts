import {
  BDEW_PROFILE_NAMES,
  WEATHER_NAMES,
  checkTimeZone,
  finiteNumber,
  invalidOption,
  nonEmptyString,
  nonNegativeNumber,
  numberInRange,
  parseIsoWithOffset,
  positiveNumber,
  type BdewProfileName,
  type WeatherName,
} from '../../models/index.js';

export type SimulatedLoadProfile = { readonly bdew: BdewProfileName; readonly annualKwh: number } | { readonly constantKw: number };

/** A load, served as a sub-meter: SunSpec models 1 + 203. */
export interface SimulatedLoadOptions {
  readonly kind: 'load';
  readonly id: string;
  readonly unitId: number;
  readonly profile: SimulatedLoadProfile;
}

/** Rooftop PV: models 1 + 103. */
export interface SimulatedPvOptions {
  readonly kind: 'pv';
  readonly id: string;
  readonly unitId: number;
  readonly kwp: number;
  readonly weather: WeatherName;
}

/** A battery: models 1 + 103 + 124. */
export interface SimulatedBatteryOptions {
  readonly kind: 'battery';
  readonly id: string;
  readonly unitId: number;
  readonly capacityKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly socPct: number;
  readonly minSocPct: number;
  readonly maxSocPct: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
}

export type SimulatedAssetOptions = SimulatedLoadOptions | SimulatedPvOptions | SimulatedBatteryOptions;

export interface SimulatedSiteOptions {
  readonly siteId: string;
  readonly timezone: string;
  /** ISO 8601 with offset: the sim clock's start. */
  readonly startAt: string;
  /** Sim seconds per wall second: 1 = wall time; 0 = manual stepping only (tests). */
  readonly speed: number;
  /** Physics step on the sim clock, s. Default 1. */
  readonly stepS?: number;
  readonly host: string;
  /** 0 = any free port; read it back from the site. */
  readonly port: number;
  /** Unit id of the site's grid meter (models 1 + 203). */
  readonly meterUnitId: number;
  readonly assets: ReadonlyArray<SimulatedAssetOptions>;
}

/** Options after checking: every number finite and in range, every id and unit id unique. */
export interface CheckedSiteOptions extends SimulatedSiteOptions {
  readonly startMs: number;
  readonly stepS: number;
}

function integerIn(field: string, value: unknown, min: number, max: number): number {
  const n = numberInRange(field, value, min, max);
  if (!Number.isInteger(n)) throw invalidOption(field, 'must be an integer', value);
  return n;
}

function checkAsset(a: SimulatedAssetOptions, f: string): void {
  nonEmptyString(`${f}.id`, a.id);
  switch (a.kind) {
    case 'load': {
      const p: unknown = a.profile;
      if (typeof p !== 'object' || p === null) throw invalidOption(`${f}.profile`, 'must be {bdew, annualKwh} or {constantKw}', p);
      if ('bdew' in p) {
        if (!BDEW_PROFILE_NAMES.includes(p.bdew as BdewProfileName)) {
          throw invalidOption(`${f}.profile.bdew`, `must be one of ${BDEW_PROFILE_NAMES.join(', ')}`, p.bdew);
        }
        positiveNumber(`${f}.profile.annualKwh`, 'annualKwh' in p ? p.annualKwh : undefined);
      } else if ('constantKw' in p) {
        nonNegativeNumber(`${f}.profile.constantKw`, p.constantKw);
      } else {
        throw invalidOption(`${f}.profile`, 'must be {bdew, annualKwh} or {constantKw}', JSON.stringify(p));
      }
      return;
    }
    case 'pv':
      positiveNumber(`${f}.kwp`, a.kwp);
      if (!WEATHER_NAMES.includes(a.weather)) throw invalidOption(`${f}.weather`, `must be one of ${WEATHER_NAMES.join(', ')}`, a.weather);
      return;
    case 'battery':
      // The battery model checks its own numbers; these are the ones it cannot know about.
      positiveNumber(`${f}.capacityKwh`, a.capacityKwh);
      finiteNumber(`${f}.maxChargeKw`, a.maxChargeKw);
      return;
    default:
      throw invalidOption(`${f}.kind`, 'must be load, pv or battery', (a as { kind: unknown }).kind);
  }
}

export function checkSiteOptions(opts: SimulatedSiteOptions): CheckedSiteOptions {
  nonEmptyString('siteId', opts.siteId);
  checkTimeZone('timezone', opts.timezone);
  const startMs = parseIsoWithOffset('startAt', opts.startAt);
  nonNegativeNumber('speed', opts.speed);
  const stepS = positiveNumber('stepS', opts.stepS ?? 1);
  nonEmptyString('host', opts.host);
  integerIn('port', opts.port, 0, 65535);
  integerIn('meterUnitId', opts.meterUnitId, 1, 247);
  if (!Array.isArray(opts.assets)) throw invalidOption('assets', 'must be an array', opts.assets);
  const unitIds = new Set<number>([opts.meterUnitId]);
  const ids = new Set<string>();
  opts.assets.forEach((a, i) => {
    const f = `assets[${i}]`;
    checkAsset(a, f);
    const unitId = integerIn(`${f}.unitId`, a.unitId, 1, 247);
    if (unitIds.has(unitId)) throw invalidOption(`${f}.unitId`, 'must differ from the meter and every other asset', unitId);
    unitIds.add(unitId);
    if (ids.has(a.id)) throw invalidOption(`${f}.id`, 'must be unique within the site', a.id);
    ids.add(a.id);
  });
  return { ...opts, startMs, stepS };
}
