import type { BdewForecastProfile, SitePlanning } from '../config/index.js';
import type { Site } from '../domain/index.js';
import { persistenceForecast, pvForecastKw, seriesMeanKw, type SeriesPoint } from '../schedule/index.js';
import { LoadModel, PvModel, loadBdewProfile, loadTmy3Weather } from '../../simulators/index.js';

const SLOT_MS = 900_000;
const DAY_MS = 86_400_000;

/** The forecast of the site's grid power without batteries per slot, and where it came from. */
export interface BaseForecast {
  readonly kw: number[];
  /** 'profile g25', 'persistence', 'persistence + profile g25' or 'persistence (last quarter hour)'. */
  readonly source: string;
}

export interface BaseForecastRequest {
  readonly site: Site;
  readonly planning: SitePlanning;
  /** Start of the current quarter hour and now, on the site's clock. */
  readonly startSiteMs: number;
  readonly nowSiteMs: number;
  readonly slots: number;
  /** Base power history (grid − batteries) on the site's clock, ascending; for persistence. */
  readonly history?: readonly SeriesPoint[];
}

/** One standard load profile per site and profile: the year scale is cached inside. */
const profiles = new WeakMap<Site, Map<string, LoadModel>>();

function profileModel(site: Site, p: BdewForecastProfile): LoadModel {
  let bySite = profiles.get(site);
  if (bySite === undefined) profiles.set(site, (bySite = new Map()));
  const key = `${p.bdew}:${p.annualKwh}`;
  let m = bySite.get(key);
  if (m === undefined) {
    // The simulator's own profile model, without noise: the same numbers a BDEW forecast gives.
    m = new LoadModel({ id: `${site.id}-forecast`, timezone: site.timezone, startMs: 0, profile: { bdew: loadBdewProfile(p.bdew), annualKwh: p.annualKwh } });
    bySite.set(key, m);
  }
  return m;
}

const pvModels = new WeakMap<Site, PvModel>();

/** The site's PV from the weather file's irradiance, mean of the slot's start, middle and end. */
function weatherPv(r: BaseForecastRequest, kwp: number, weather: 'tmy3-723170'): number[] {
  let m = pvModels.get(r.site);
  if (m === undefined) pvModels.set(r.site, (m = new PvModel({ id: `${r.site.id}-pv-forecast`, timezone: r.site.timezone, startMs: 0, kwp, weather: loadTmy3Weather(weather) })));
  const model = m;
  return Array.from({ length: r.slots }, (_, k) => {
    const t = r.startSiteMs + k * SLOT_MS;
    return (model.powerKwAt(t) + 2 * model.powerKwAt(t + SLOT_MS / 2) + model.powerKwAt(t + SLOT_MS - 1)) / 4;
  });
}

/**
 * Load from the profile plus PV from a weather file when the config names one (forecast.pv),
 * else from the sun (clear sky at the site's location), per slot. A site with PV and neither
 * has no PV forecast: then no forecast at all (the reason is returned), never a PV of 0.
 */
function profileBase(r: BaseForecastRequest, p: BdewForecastProfile): number[] | string {
  const kwp = r.site.assets.reduce((s, a) => s + (a.kind === 'pv' ? a.kwp : 0), 0);
  let pv: number[] = new Array<number>(r.slots).fill(0);
  if (kwp > 0 && r.planning.pvWeather !== undefined) {
    pv = weatherPv(r, kwp, r.planning.pvWeather);
  } else if (kwp > 0) {
    const loc = r.planning.location;
    if (loc === undefined) return `the site has ${kwp} kWp of PV and no location: no PV forecast`;
    pv = pvForecastKw({ kwp, latDeg: loc.latDeg, lonDeg: loc.lonDeg, startMs: r.startSiteMs, slotS: 900, slots: r.slots }).kw;
  }
  const model = profileModel(r.site, p);
  return pv.map((pvKw, k) => model.powerKwAt(r.startSiteMs + k * SLOT_MS) + pvKw);
}

/**
 * The base forecast the site's config asks for (default persistence): a profile (+ PV), or
 * yesterday's same quarter hour of the metered base, with the fallback profile where yesterday
 * has no data, or without one the last quarter hour's mean (schedule's persistenceForecast).
 * Returns why not when there is too little to forecast from.
 */
export function baseForecast(r: BaseForecastRequest): BaseForecast | string {
  const f = r.planning.forecast ?? { kind: 'persistence' as const };
  if (f.kind === 'profile') {
    const kw = profileBase(r, f);
    return typeof kw === 'string' ? kw : { kw, source: `profile ${f.bdew}` };
  }
  const history = r.history ?? [];
  const yesterday = (k: number): number | null => {
    const from = r.startSiteMs + k * SLOT_MS - DAY_MS;
    return from + SLOT_MS <= r.nowSiteMs ? seriesMeanKw(history, from, from + SLOT_MS) : null;
  };
  if (f.fallback === undefined) {
    try {
      const kw = persistenceForecast(history, r.startSiteMs, 900, r.slots);
      const full = kw.every((_, k) => yesterday(k) !== null);
      return { kw, source: full ? 'persistence' : 'persistence (last quarter hour)' };
    } catch (err) {
      return `persistence: ${(err as Error).message}`;
    }
  }
  const fallback = profileBase(r, f.fallback);
  if (typeof fallback === 'string') return fallback;
  let fromProfile = 0;
  const kw = fallback.map((p, k) => {
    const y = history.length > 0 ? yesterday(k) : null;
    if (y === null) fromProfile++;
    return y ?? p;
  });
  const source = fromProfile === 0 ? 'persistence' : fromProfile === r.slots ? `profile ${f.fallback.bdew}` : `persistence + profile ${f.fallback.bdew}`;
  return { kw, source };
}
