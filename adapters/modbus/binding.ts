import { VppError } from '../../src/domain/errors.js';

export interface ModbusTcpBinding {
  readonly host: string;
  readonly port: number;
  /** Modbus unit id, 1..247. */
  readonly unit: number;
}

/** Modbus/TCP's registered port, used when the binding names none. */
const MODBUS_TCP_PORT = 502;

function invalid(url: string, reason: string): VppError {
  return new VppError('BINDING_INVALID', `binding '${url}': ${reason}`);
}

/** Parses `modbus://host:port/unit`; anything else throws BINDING_INVALID naming the URL and why. */
export function parseModbusBinding(url: string): ModbusTcpBinding {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(url, 'is not a URL');
  }
  if (u.protocol !== 'modbus:') throw invalid(url, `scheme must be modbus:, got ${u.protocol}`);
  if (u.username !== '' || u.password !== '') throw invalid(url, 'must not carry credentials');
  if (u.search !== '' || u.hash !== '') throw invalid(url, `must have no query or fragment, got '${u.search}${u.hash}'`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalid(url, 'host is missing');
  const port = u.port === '' ? MODBUS_TCP_PORT : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(url, `port must be 1..65535, got ${u.port}`);
  const m = /^\/(\d{1,3})$/.exec(u.pathname);
  const unit = m?.[1] === undefined ? Number.NaN : Number(m[1]);
  if (!Number.isInteger(unit) || unit < 1 || unit > 247) {
    throw invalid(url, `path must be /<unit id 1..247>, got '${u.pathname}'`);
  }
  return { host, port, unit };
}
