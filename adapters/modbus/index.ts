export { createModbusAdapter, type ModbusAdapterOptions } from './adapter.js';
export { parseModbusBinding, type ModbusTcpBinding } from './binding.js';
export { discoverSunSpec, type SunSpecMap, type SunSpecModelLocation } from './discovery.js';
export { exceptionCodeOf, openTcpClient, type RegisterClient, type TcpClientOptions } from './client.js';
export { KIND_MODELS, MODEL_DECODERS, storageCommandKw, type MetricValues, type ModelDecoder, type PointValues } from './decoders.js';
export { planReads, readRanges, MAX_READ_REGISTERS, type RegisterRange } from './read-plan.js';
export { planStorageWrite, coalesceWrites, type StorageWritePlan, type WriteGroup } from './storage.js';
