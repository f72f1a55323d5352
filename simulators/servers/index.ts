export * from './modbus/index.js';
export * from './sunspec/index.js';
