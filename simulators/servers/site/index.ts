export type {
  CheckedSiteOptions,
  SimulatedAssetOptions,
  SimulatedBatteryOptions,
  SimulatedLoadOptions,
  SimulatedLoadProfile,
  SimulatedPvOptions,
  SimulatedSiteOptions,
} from './options.js';
export { checkSiteOptions } from './options.js';
export {
  SITE_METER_ASSET_ID,
  startSimulatedSite,
  type SimulatedAssetSnapshot,
  type SimulatedSite,
  type SimulatedSiteSnapshot,
  type SimulatedUnit,
} from './site.js';
export { StorageControl } from './storage-control.js';
export { PvLimitControl } from './pv-control.js';
export { bdewPeakKw } from './peak.js';
export { batteryModels, loadMeterModels, nameplate, pvModels, siteMeterModels, IN_SERVICE_WH } from './sources.js';
