export * from './common.js';
export * from './assets.js';
export * from './flex-assets.js';
export * from './faults.js';
export * from './scenario.js';
