import type { AssetKind } from '../src/domain/asset.js';
import type { AdapterTarget, DeviceAdapter } from '../src/domain/device-adapter.js';
import { VppError } from '../src/domain/errors.js';
import { createModbusAdapter, createModbusProfileAdapter, modbusProfileProblem, parseModbusUrl } from './modbus/index.js';
import { probeProfile, type ProfileProbeOptions, type ProfileProbeResult } from './probe-profile.js';
import { createMqttAdapter, mqttBindingProblem } from './mqtt/index.js';
import { createLazyOpcuaAdapter } from './opcua/lazy.js';
import { opcuaBindingProblem } from './opcua/problem.js';

export {
  createModbusAdapter,
  createModbusConnections,
  createModbusProfileAdapter,
  checkRegisterMap,
  modbusProfileProblem,
  parseModbusBinding,
  parseModbusRtuBinding,
  parseModbusUrl,
  probeSunSpec,
  sharedModbusConnections,
  type ModbusAdapterOptions,
  type ModbusProfileAdapterOptions,
  type RegisterMap,
  type ModbusBinding,
  type ModbusConnections,
  type ModbusEndpoint,
  type ModbusTcpBinding,
  type ProbeResult,
  type ProbedAsset,
} from './modbus/index.js';
export { createMqttAdapter, mqttBindingProblem, type MqttAdapterOptions } from './mqtt/index.js';
export { loadProfile, profileOf, type DeviceProfile } from './profile.js';
export { PROFILE_PROTOCOLS, type ProfileProbeOptions, type ProfileProbeResult } from './probe-profile.js';
// The OPC UA adapter module loads node-opcua: import it from './opcua/index.js' only where needed.
export { opcuaBindingProblem } from './opcua/problem.js';

const SUPPORTED = ['modbus', 'modbus-rtu', 'mqtt', 'mqtts', 'opc.tcp'] as const;

function schemeOf(binding: string): string | null {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(binding);
  return m === null ? null : (m[1] ?? '').toLowerCase();
}

/**
 * Why a binding cannot be used, or null when it can: config loading calls this so that a
 * malformed URL is rejected with its field before any device is touched. With `kind`, a
 * Modbus register-map profile for another kind of asset is refused too.
 */
export function bindingProblem(binding: string, kind?: AssetKind): string | null {
  const scheme = schemeOf(binding);
  if (scheme === null) return `has no URL scheme (e.g. modbus://127.0.0.1:502/1), got ${JSON.stringify(binding)}`;
  if (scheme === 'mqtt' || scheme === 'mqtts') return mqttBindingProblem(binding);
  if (scheme === 'opc.tcp') return opcuaBindingProblem(binding);
  if (scheme !== 'modbus' && scheme !== 'modbus-rtu') return `scheme ${scheme}: is not supported yet (supported: ${SUPPORTED.map((s) => `${s}:`).join(', ')}), got ${JSON.stringify(binding)}`;
  try {
    if (parseModbusUrl(binding).profile !== undefined) return modbusProfileProblem(binding, kind ?? null);
    return null;
  } catch (err) {
    return `${(err as Error).message.replace(/^binding '.*?': /, '')} (in ${JSON.stringify(binding)})`;
  }
}

/** Chooses the adapter by the binding's URL scheme (ARCHITECTURE.md, "The loop", step 1). */
export function createAdapter(target: AdapterTarget): DeviceAdapter {
  const scheme = schemeOf(target.binding);
  if (scheme === null) throw new VppError('BINDING_INVALID', `binding '${target.binding}' of ${target.siteId}/${target.assetId}: has no URL scheme`);
  switch (scheme) {
    case 'modbus':
    case 'modbus-rtu':
      // Every unit behind one gateway (or on one serial line) shares its connection.
      // `?profile=NAME`: a register map from config/devices; without it, SunSpec discovery.
      return parseModbusUrl(target.binding).profile !== undefined ? createModbusProfileAdapter(target) : createModbusAdapter(target);
    case 'mqtt':
    case 'mqtts':
      return createMqttAdapter(target);
    case 'opc.tcp':
      // Client certificate and trusted servers live in $VPP_DATA_DIR/pki/opcua-client.
      return createLazyOpcuaAdapter(target);
    default:
      throw new VppError('BINDING_UNSUPPORTED', `binding '${target.binding}' of ${target.siteId}/${target.assetId}: scheme ${scheme}: is not supported (supported: ${SUPPORTED.map((x) => `${x}:`).join(', ')})`);
  }
}

/** Reads a device once through a profile, over any scheme createAdapter supports (`vpp probe --profile`). */
export function probeDeviceProfile(url: string, profile: string, options: Omit<ProfileProbeOptions, 'createAdapter'> = {}): Promise<ProfileProbeResult> {
  return probeProfile(url, profile, { ...options, createAdapter });
}
