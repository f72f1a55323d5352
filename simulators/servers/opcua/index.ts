export {
  startOpcuaSimulator,
  DEFAULT_OPCUA_PKI_DIR,
  type OpcuaSimulator,
  type OpcuaSimulatorOptions,
  type OpcuaSecurityMode,
} from './server.js';
export { buildSimAddressSpace, SIM_NAMESPACE_URI } from './address-space.js';
