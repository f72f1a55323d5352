export { createModbusAdapter, type ModbusAdapterOptions } from './adapter.js';
export {
  endpointKey,
  parseModbusBinding,
  parseModbusRtuBinding,
  parseModbusUrl,
  type ModbusBinding,
  type ModbusEndpoint,
  type ModbusRtuEndpoint,
  type ModbusTcpBinding,
  type ModbusTcpEndpoint,
  type SerialParity,
} from './binding.js';
export { createModbusConnections, sharedModbusConnections, type ModbusConnections, type RegisterClient } from './connection.js';
export { discoverSunSpec, type SunSpecMap, type SunSpecModelLocation } from './discovery.js';
export { exceptionCodeOf, openTcpClient, type TcpClientOptions } from './client.js';
export { KIND_MODELS, MODEL_DECODERS, invertMeter, storageCommandKw, type MetricValues, type ModelDecoder, type PointValues } from './decoders.js';
export { planReads, readRanges, MAX_READ_REGISTERS, type RegisterRange } from './read-plan.js';
export { planStorageWrite, coalesceWrites, type StorageWritePlan, type WriteGroup } from './storage.js';
export { probeSunSpec, type ProbeOptions, type ProbeResult, type ProbedAsset } from './probe.js';
export { coalescePointWrites, planWSetWrite, wsetCommandKw } from './der-controls.js';
export { planPvLimitWrite, pvLimitCommandKw, pvRatingW, type PvRating } from './pv-limit.js';
export { chooseControlModel, releasePowerControl, writePowerControl, type ControlLink, type ControlModel, type PowerControl } from './control-writes.js';
export { createModbusProfileAdapter, loadRegisterMap, type ModbusProfileAdapterOptions } from './profile-adapter.js';
export { planProfileReads, readProfile, READ_THROUGH_GAP, type PlannedRead, type ProfileValues } from './profile-read.js';
export { writePowerKw } from './profile-write.js';
export {
  REGISTER_TYPES,
  checkRegisterMap,
  decodeRaw,
  decodeValue,
  encodeRaw,
  encodeValue,
  wordsOf,
  type RegisterFunction,
  type RegisterMap,
  type RegisterReading,
  type RegisterType,
  type RegisterWrite,
  type ValueFormat,
  type WordOrder,
} from './register-map.js';
export { modbusProfileProblem } from './profile-problem.js';
