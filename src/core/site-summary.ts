import {
  badReading,
  type Asset,
  type AssetKind,
  type AssetState,
  type BatteryAsset,
  type EvSession,
  type Reading,
  type Site,
  type SiteState,
  VppError,
} from '../domain/index.js';
import { siteFlexibility } from './flex-load-flexibility.js';
import { linearReading, sumReadings, weightedMean } from './reading-math.js';

/**
 * Combines asset states into a SiteState, load convention throughout. Pure, and the result is
 * a plain object (no undefined fields, no Infinity) so that it survives a JSON round trip.
 *
 * - gridPowerKw: sum of the meters; without a meter, load + pv + battery when the site has a
 *   load asset, else bad (unmetered load cannot be known).
 * - pv/battery/load/ev/hvac: sums of their assets, present when the site has such assets;
 *   without a load asset loadPowerKw = grid − pv − battery (so it includes EV and HVAC).
 *   Without a meter, grid = load + pv + battery + ev + hvac.
 * - flexibility: batteries, EV chargers (with `evSessions`) and HVAC units (siteFlexibility).
 * - batterySocPct: capacity-weighted mean.
 */
export function summariseSite(
  site: Site,
  assets: Readonly<Record<string, AssetState>>,
  atMs: number,
  evSessions?: Readonly<Record<string, EvSession>>,
): SiteState {
  const power = (kind: AssetKind): Reading | undefined => {
    const of = site.assets.filter((a) => a.kind === kind);
    return of.length === 0 ? undefined : sumReadings(of.map((a) => assets[a.id]?.readings.powerKw), atMs);
  };
  const meters = site.assets.filter((a) => a.kind === 'meter');
  const batteries = site.assets.filter((a): a is BatteryAsset => a.kind === 'battery');
  const pv = power('pv');
  const battery = power('battery');
  const load = power('load');
  const ev = power('evCharger');
  const hvac = power('hvac');
  const contributions = [pv, battery].filter((r): r is Reading => r !== undefined);
  const flexLoads = [ev, hvac].filter((r): r is Reading => r !== undefined);

  let grid: Reading;
  if (meters.length > 0) grid = sumReadings(meters.map((a) => assets[a.id]?.readings.powerKw), atMs);
  else if (load !== undefined) grid = sumReadings([load, ...contributions, ...flexLoads], atMs);
  else grid = badReading(atMs);

  const derivedLoad =
    load ??
    (meters.length > 0
      ? linearReading(
          [{ coefficient: 1, reading: grid }, ...contributions.map((reading) => ({ coefficient: -1, reading }))],
          atMs,
        )
      : undefined);

  const soc =
    batteries.length === 0
      ? undefined
      : weightedMean(
          batteries.map((a) => ({ weight: a.capacityKwh, reading: assets[a.id]?.readings.socPct })),
          atMs,
        );

  return {
    siteId: site.id,
    atMs,
    gridPowerKw: grid,
    ...(derivedLoad === undefined ? {} : { loadPowerKw: derivedLoad }),
    ...(pv === undefined ? {} : { pvPowerKw: pv }),
    ...(battery === undefined ? {} : { batteryPowerKw: battery }),
    ...(soc === undefined ? {} : { batterySocPct: soc }),
    ...(ev === undefined ? {} : { evPowerKw: ev }),
    ...(hvac === undefined ? {} : { hvacPowerKw: hvac }),
    ...(evSessions === undefined ? {} : { evSessions: { ...evSessions } }),
    flexibility: siteFlexibility(site, assets, evSessions, atMs),
    assets: { ...assets },
  };
}

/** Assets by id; throws on a duplicate id, which would merge two devices' telemetry. */
export function assetsById(site: Site): ReadonlyMap<string, Asset> {
  const byId = new Map<string, Asset>();
  for (const asset of site.assets) {
    if (byId.has(asset.id)) {
      throw new VppError(
        'CORE_DUPLICATE_ASSET',
        `site ${site.id}: assets[].id must be unique, got "${asset.id}" twice`,
      );
    }
    byId.set(asset.id, asset);
  }
  return byId;
}
