export * from './modbus/index.js';
export * from './sunspec/index.js';
export type { SimDevice, SimDeviceKind, SimCommandName } from './device.js';
export * from './mqtt/index.js';
export * from './opcua/index.js';
export { deviceFor, meterDevice } from './devices.js';
export { plainDeviceBank, plainMapFor, PLAIN_MAP_REGISTERS } from './plain-map.js';
