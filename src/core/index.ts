export { staleAfter } from './staleness.js';
export {
  assetState$,
  emptyAssetState,
  isAvailable,
  normaliseReading,
  requiredMetrics,
} from './asset-state.js';
export { batteryHeadroom, type BatteryHeadroom } from './battery-headroom.js';
export { batteryFlexibility, FLEXIBILITY_HORIZON_S, NO_FLEXIBILITY } from './flexibility.js';
export { linearReading, sumReadings, weightedMean, type Term } from './reading-math.js';
export { assetsById, summariseSite } from './site-summary.js';
export { siteState$, type SiteStateOptions } from './site-state.js';
