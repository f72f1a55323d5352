import { createAdapter } from '../../adapters/index.js';
import type { ConfiguredSite } from '../config/index.js';
import type { DeviceAdapter } from '../domain/index.js';

/** Default device revert timer when the config gives none, s. */
const DEFAULT_REVERT_S = 30;

/** One adapter per asset of the site, keyed `siteId/assetId` (the control loop's keys); not connected yet. */
export function siteAdapters(cs: ConfiguredSite): Map<string, DeviceAdapter> {
  const out = new Map<string, DeviceAdapter>();
  for (const asset of cs.site.assets) {
    out.set(
      `${cs.site.id}/${asset.id}`,
      createAdapter({
        siteId: cs.site.id,
        assetId: asset.id,
        kind: asset.kind,
        binding: asset.binding,
        pollIntervalS: asset.pollIntervalS,
        revertS: cs.revertS[asset.id] ?? DEFAULT_REVERT_S,
        ...(asset.kind === 'meter' && asset.invert === true ? { invert: true } : {}),
        ...(asset.kind === 'battery' && asset.gridChargingAllowed !== undefined ? { gridChargingAllowed: asset.gridChargingAllowed } : {}),
      }),
    );
  }
  return out;
}
