export { StorageControl } from './storage-control.js';
export { PvLimitControl } from './pv-control.js';
export { DerControl } from './der-control.js';
export { bdewPeakKw } from './peak.js';
export { batteryModels, loadMeterModels, nameplate, pvModels, siteMeterModels, IN_SERVICE_WH, type ExtraModels } from './sources.js';
