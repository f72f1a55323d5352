export * from './quality.js';
export * from './telemetry.js';
export * from './asset.js';
export * from './site.js';
export * from './state.js';
export * from './setpoint.js';
export * from './errors.js';
export * from './device-adapter.js';
