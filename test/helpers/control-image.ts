import { summariseSite } from '../../src/core/index.js';
import { processImage, type ControlObligations, type ProcessImage } from '../../src/control/index.js';
import type { Asset, AssetState, Reading, Site } from '../../src/domain/index.js';
import { TEST_ASSET_BASE, testBattery } from './assets.js';

export const T0 = 1_750_000_000_000;
const meter: Asset = { ...TEST_ASSET_BASE, id: 'grid', kind: 'meter' };

/** Plant 1: 800 kW import / 200 kW export limits, one 500 kWh / 250 kW battery unless given. */
export function controlSite(over: Partial<Site> = {}, batteries = [testBattery('bess')]): Site {
  return {
    id: 'plant-1',
    name: 'Plant 1',
    timezone: 'Asia/Shanghai',
    gridImportLimitKw: 800,
    gridExportLimitKw: 200,
    assets: [meter, ...batteries],
    ...over,
  };
}

export type BatteryGiven = { readonly powerKw: number; readonly socPct: number } | 'stale';

const good = (value: number, atMs: number): Reading => ({ value, quality: 'good', atMs });

/** The frozen image the runtime builds: asset states → summariseSite → processImage (+ obligations). */
export function imageOf(
  site: Site,
  gridKw: number,
  batteries: Readonly<Record<string, BatteryGiven>>,
  atMs: number,
  obligations?: ControlObligations,
): ProcessImage {
  const states: Record<string, AssetState> = {
    grid: { assetId: 'grid', kind: 'meter', readings: { powerKw: good(gridKw, atMs) }, available: true },
  };
  for (const [id, b] of Object.entries(batteries)) {
    states[id] =
      b === 'stale'
        ? {
            assetId: id,
            kind: 'battery',
            readings: {
              powerKw: { value: 0, quality: 'stale', atMs: atMs - 60_000 },
              socPct: { value: 50, quality: 'stale', atMs: atMs - 60_000 },
            },
            available: false,
          }
        : { assetId: id, kind: 'battery', readings: { powerKw: good(b.powerKw, atMs), socPct: good(b.socPct, atMs) }, available: true };
  }
  const image = processImage(site, summariseSite(site, states, atMs));
  return obligations === undefined ? image : { ...image, obligations };
}
