import { batteryFlexibility, batteryHeadroom, toSiteSummary } from '../core/index.js';
import type { BatteryAsset, Quality, Site, SiteState } from '../domain/index.js';
import type { FlexBattery } from '../schedule/index.js';

/** One battery's flexibility now; null figures when the battery is not available (never 0 for unknown). */
export interface AssetFlexibilityNow {
  readonly assetId: string;
  readonly kind: 'battery';
  readonly available: boolean;
  readonly socPct: number | null;
  readonly powerKw: number | null;
  readonly decreaseKw: number | null;
  readonly increaseKw: number | null;
  readonly decreaseHoldS: number | null;
  readonly increaseHoldS: number | null;
}

export interface FlexibilityNow {
  readonly siteId: string;
  readonly time: string;
  /** The site state's: good only while the grid reading is good. Before the first state: bad. */
  readonly quality: Quality;
  readonly decreaseKw: number | null;
  readonly increaseKw: number | null;
  readonly decreaseHoldS: number | null;
  readonly increaseHoldS: number | null;
  readonly batteries: { readonly available: number; readonly total: number };
  readonly assets: readonly AssetFlexibilityNow[];
}

const batteriesOf = (site: Site): BatteryAsset[] => site.assets.filter((a): a is BatteryAsset => a.kind === 'battery');

/**
 * The site's flexibility envelope now, from its latest state (core's figures: an unavailable
 * battery offers nothing), and each battery's share. Before the first state every figure is null.
 */
export function flexibilityNow(site: Site, state: SiteState | null, nowMs: number): FlexibilityNow {
  const batteries = batteriesOf(site);
  const assets = batteries.map((asset): AssetFlexibilityNow => {
    const s = state?.assets[asset.id];
    const h = batteryHeadroom(asset, s);
    if (h === undefined) {
      return { assetId: asset.id, kind: 'battery', available: false, socPct: null, powerKw: null, decreaseKw: null, increaseKw: null, decreaseHoldS: null, increaseHoldS: null };
    }
    const f = batteryFlexibility([{ asset, state: s }]);
    return {
      assetId: asset.id,
      kind: 'battery',
      available: true,
      socPct: h.socPct,
      powerKw: h.powerKw,
      decreaseKw: f.decreaseKw,
      increaseKw: f.increaseKw,
      decreaseHoldS: f.decreaseDurationS,
      increaseHoldS: f.increaseDurationS,
    };
  });
  const available = assets.filter((a) => a.available).length;
  if (state === null) {
    return { siteId: site.id, time: new Date(nowMs).toISOString(), quality: 'bad', decreaseKw: null, increaseKw: null, decreaseHoldS: null, increaseHoldS: null, batteries: { available, total: batteries.length }, assets };
  }
  const summary = toSiteSummary(state, site);
  const f = state.flexibility;
  // core never makes a non-finite figure; if one came, it could not travel as JSON: unknown.
  const ok = [f.decreaseKw, f.increaseKw, f.decreaseDurationS, f.increaseDurationS].every(Number.isFinite);
  return {
    siteId: site.id,
    time: new Date(state.atMs).toISOString(),
    quality: summary.quality,
    decreaseKw: ok ? f.decreaseKw : null,
    increaseKw: ok ? f.increaseKw : null,
    decreaseHoldS: ok ? f.decreaseDurationS : null,
    increaseHoldS: ok ? f.increaseDurationS : null,
    batteries: { available, total: batteries.length },
    assets,
  };
}

/** The batteries as the day-ahead forecast takes them: limits plus SoC now (null unless available). */
export function forecastBatteries(site: Site, state: SiteState | null): FlexBattery[] {
  return batteriesOf(site).map((a) => {
    const h = batteryHeadroom(a, state?.assets[a.id]);
    return {
      id: a.id,
      capacityKwh: a.capacityKwh,
      minSocPct: a.minSocPct,
      maxSocPct: a.maxSocPct,
      maxChargeKw: a.maxChargeKw,
      maxDischargeKw: a.maxDischargeKw,
      chargeEfficiency: a.chargeEfficiency,
      dischargeEfficiency: a.dischargeEfficiency,
      ...(a.gridChargingAllowed === undefined ? {} : { gridChargingAllowed: a.gridChargingAllowed }),
      socPct: h?.socPct ?? null,
    };
  });
}
