import { VppError } from '../../src/domain/errors.js';

export interface ModbusTcpBinding {
  readonly host: string;
  readonly port: number;
  /** Modbus unit id, 1..247. */
  readonly unit: number;
  /** `?profile=NAME`: read through config/devices/NAME.yaml instead of SunSpec discovery. */
  readonly profile?: string;
}

export type SerialParity = 'none' | 'even' | 'odd';

export interface ModbusTcpEndpoint {
  readonly transport: 'tcp';
  readonly host: string;
  readonly port: number;
}

export interface ModbusRtuEndpoint {
  readonly transport: 'rtu';
  /** Serial device, e.g. /dev/ttyUSB0. */
  readonly path: string;
  readonly baudRate: number;
  readonly parity: SerialParity;
  readonly dataBits: 7 | 8;
  readonly stopBits: 1 | 2;
}

export type ModbusEndpoint = ModbusTcpEndpoint | ModbusRtuEndpoint;

/** Where a unit is reached: the connection (shared by every unit behind it) and the unit id. */
export interface ModbusBinding {
  readonly endpoint: ModbusEndpoint;
  readonly unit: number;
  /** `profile=NAME`: a register-map profile (profile-adapter.ts); absent = SunSpec. */
  readonly profile?: string;
}

/** Modbus/TCP's registered port, used when the binding names none. */
const MODBUS_TCP_PORT = 502;
const BAUD_RATES: readonly number[] = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];
const RTU_PARAMS: readonly string[] = ['baud', 'parity', 'dataBits', 'stopBits', 'unit', 'profile'];

function invalid(url: string, reason: string): VppError {
  return new VppError('BINDING_INVALID', `binding '${url}': ${reason}`);
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw invalid(url, 'is not a URL');
  }
}

function unitId(url: string, text: string | undefined, field: string): number {
  const unit = text !== undefined && /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(unit) || unit < 1 || unit > 247) throw invalid(url, `${field} must be a unit id 1..247, got '${text ?? ''}'`);
  return unit;
}

/** A stable key per physical connection: bindings with the same key share one link. */
export function endpointKey(e: ModbusEndpoint): string {
  return e.transport === 'tcp' ? `tcp://${e.host}:${e.port}` : `rtu://${e.path}`;
}

/** Parses `modbus://host:port/unit`; anything else throws BINDING_INVALID naming the URL and why. */
export function parseModbusBinding(url: string): ModbusTcpBinding {
  const u = parseUrl(url);
  if (u.protocol !== 'modbus:') throw invalid(url, `scheme must be modbus:, got ${u.protocol}`);
  if (u.username !== '' || u.password !== '') throw invalid(url, 'must not carry credentials');
  if (u.hash !== '') throw invalid(url, `must have no fragment, got '${u.hash}'`);
  for (const key of u.searchParams.keys()) if (key !== 'profile') throw invalid(url, `unknown parameter '${key}' (known: profile)`);
  const profile = profileParam(url, u.searchParams);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalid(url, 'host is missing');
  const port = u.port === '' ? MODBUS_TCP_PORT : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(url, `port must be 1..65535, got ${u.port}`);
  const m = /^\/(\d{1,3})$/.exec(u.pathname);
  const unit = m?.[1] === undefined ? Number.NaN : Number(m[1]);
  // 255 too: the unit id a device on TCP itself answers to (Modbus Messaging on TCP/IP
  // Implementation Guide V1.0b, 4.4.2), e.g. KEBA chargers; 248..254 stay reserved.
  if (!Number.isInteger(unit) || ((unit < 1 || unit > 247) && unit !== 255)) {
    throw invalid(url, `path must be /<unit id 1..247>, got '${u.pathname}'`);
  }
  return { host, port, unit, ...(profile !== undefined ? { profile } : {}) };
}

function profileParam(url: string, q: URLSearchParams): string | undefined {
  const all = q.getAll('profile');
  if (all.length > 1) throw invalid(url, `parameter 'profile' is given twice`);
  if (all[0] === '') throw invalid(url, 'profile must name a file in config/devices, got an empty name');
  return all[0];
}

/**
 * Parses `modbus-rtu:///dev/ttyUSB0?baud=9600&unit=3[&parity=none|even|odd][&dataBits=7|8]
 * [&stopBits=1|2]`. Defaults: 9600 8N1 (the Modbus serial line spec asks for even parity, but
 * most field devices ship 8N1). Unknown parameters are refused, so a typo is not ignored.
 */
export function parseModbusRtuBinding(url: string): ModbusBinding {
  const u = parseUrl(url);
  if (u.protocol !== 'modbus-rtu:') throw invalid(url, `scheme must be modbus-rtu:, got ${u.protocol}`);
  if (u.host !== '') throw invalid(url, `must name a local serial device (modbus-rtu:///dev/…), got host '${u.host}'`);
  if (u.hash !== '') throw invalid(url, `must have no fragment, got '${u.hash}'`);
  const path = decodeURIComponent(u.pathname);
  if (!/^\/[^\0]+$/.test(path) || path.endsWith('/')) throw invalid(url, `path must be a serial device such as /dev/ttyUSB0, got '${path}'`);
  const q = u.searchParams;
  for (const key of q.keys()) {
    if (!RTU_PARAMS.includes(key)) throw invalid(url, `unknown parameter '${key}' (known: ${RTU_PARAMS.join(', ')})`);
    if (q.getAll(key).length > 1) throw invalid(url, `parameter '${key}' is given twice`);
  }
  const baudText = q.get('baud') ?? '9600';
  const baudRate = Number(baudText);
  if (!BAUD_RATES.includes(baudRate)) throw invalid(url, `baud must be one of ${BAUD_RATES.join(', ')}, got '${baudText}'`);
  const parity = q.get('parity') ?? 'none';
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw invalid(url, `parity must be none, even or odd, got '${parity}'`);
  const dataBitsText = q.get('dataBits') ?? '8';
  if (dataBitsText !== '7' && dataBitsText !== '8') throw invalid(url, `dataBits must be 7 or 8, got '${dataBitsText}'`);
  const stopBitsText = q.get('stopBits') ?? '1';
  if (stopBitsText !== '1' && stopBitsText !== '2') throw invalid(url, `stopBits must be 1 or 2, got '${stopBitsText}'`);
  const unit = unitId(url, q.get('unit') ?? undefined, 'unit');
  const profile = profileParam(url, q);
  return {
    ...(profile !== undefined ? { profile } : {}),
    endpoint: { transport: 'rtu', path, baudRate, parity, dataBits: dataBitsText === '7' ? 7 : 8, stopBits: stopBitsText === '2' ? 2 : 1 },
    unit,
  };
}

/** Either scheme: `modbus://` (TCP) or `modbus-rtu://` (serial line). */
export function parseModbusUrl(url: string): ModbusBinding {
  if (/^modbus-rtu:/i.test(url)) return parseModbusRtuBinding(url);
  const b = parseModbusBinding(url);
  return { endpoint: { transport: 'tcp', host: b.host, port: b.port }, unit: b.unit, ...(b.profile !== undefined ? { profile: b.profile } : {}) };
}
