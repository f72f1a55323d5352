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
export { evFloorKw, evHeadroom, EV_DEPARTURE_MARGIN_S, type EvHeadroom } from './ev-headroom.js';
export { HVAC_EDGE_MARGIN_C, hoursToReach, hvacHeadroom, type HvacHeadroom } from './hvac-headroom.js';
export { addEnvelopes, flexLoadFlexibility, siteFlexibility } from './flex-load-flexibility.js';
export { nextEvSessions, withEvSessions } from './ev-sessions.js';
export { nextLocalTimeMs } from './local-time.js';
export { linearReading, sumReadings, weightedMean, type Term } from './reading-math.js';
export { assetsById, summariseSite } from './site-summary.js';
export { siteState$, type SiteStateOptions } from './site-state.js';
export {
  parseSiteSummary,
  SiteSummarySchema,
  toSiteSummary,
  type SiteSummary,
  type ValueWithQuality,
} from './fleet-summary.js';
export { fleetState$, type FleetState, type FleetStateOptions } from './fleet-state.js';
