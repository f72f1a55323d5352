import { VppError } from '../../src/domain/errors.js';

export type OpcuaSecurityMode = 'None' | 'SignAndEncrypt';

/** `opc.tcp://host:port[/path]?profile=<name>[&security=SignAndEncrypt][&device=<id>]`, parsed. */
export interface OpcuaBinding {
  /** What the client dials: the binding without its query. */
  readonly endpointUrl: string;
  readonly profile: string;
  readonly security: OpcuaSecurityMode;
  /** Overrides what `{device}` expands to in the profile's node ids, when given. */
  readonly device: string | null;
}

/** OPC UA's registered port (IANA), used when the binding names none. */
const OPCUA_TCP_PORT = 4840;
const PARAMS: readonly string[] = ['profile', 'security', 'device'];

function invalid(url: string, reason: string): VppError {
  return new VppError('BINDING_INVALID', `binding '${url}': ${reason}`);
}

/** Parses an OPC UA binding; anything else throws BINDING_INVALID naming the URL, the part and why. */
export function parseOpcuaBinding(url: string): OpcuaBinding {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(url, 'is not a URL');
  }
  if (u.protocol !== 'opc.tcp:') throw invalid(url, `scheme must be opc.tcp:, got ${u.protocol}`);
  if (u.username !== '' || u.password !== '') throw invalid(url, 'must not carry credentials (OPC UA logs in with a certificate or anonymously)');
  if (u.hash !== '') throw invalid(url, `must have no fragment, got '${u.hash}'`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalid(url, 'host is missing');
  const port = u.port === '' ? OPCUA_TCP_PORT : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(url, `port must be 1..65535, got ${u.port}`);
  const q = u.searchParams;
  for (const key of q.keys()) {
    if (!PARAMS.includes(key)) throw invalid(url, `unknown parameter '${key}' (known: ${PARAMS.join(', ')})`);
    if (q.getAll(key).length > 1) throw invalid(url, `parameter '${key}' is given twice`);
  }
  const profile = q.get('profile');
  // OPC UA servers have no standard device map to discover, so the profile is required.
  if (profile === null || profile === '') throw invalid(url, 'profile is required (?profile=<name> of config/devices/<name>.yaml)');
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(profile)) throw invalid(url, `profile must be lower-case letters, digits, '.', '_' or '-', got '${profile}'`);
  const security = q.get('security') ?? 'None';
  if (security !== 'None' && security !== 'SignAndEncrypt') throw invalid(url, `security must be None or SignAndEncrypt, got '${security}'`);
  const device = q.get('device');
  if (device === '') throw invalid(url, 'device must not be empty when given');
  const path = u.pathname === '/' ? '' : u.pathname;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { endpointUrl: `opc.tcp://${hostPart}:${port}${path}`, profile, security, device };
}
