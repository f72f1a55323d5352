export { InfluxStore } from './influx-store.js';
export type { InfluxStoreOptions } from './influx-store.js';
export { SITE_LEVEL_TAG } from './encoding.js';
