import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSecurityMode, OPCUACertificateManager, OPCUAServer, RegisterServerMethod, SecurityPolicy } from 'node-opcua';
import { VppError } from '../../../src/domain/errors.js';
import type { SimDevice } from '../device.js';
import { buildSimAddressSpace } from './address-space.js';

export type OpcuaSecurityMode = 'None' | 'SignAndEncrypt';

export interface OpcuaSimulatorOptions {
  /** Interface to bind and the host named in the endpoint URL; default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port; read it back from the result. */
  readonly port: number;
  readonly devices: readonly SimDevice[];
  /** Default ['None']. SignAndEncrypt offers Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss. */
  readonly securityModes?: readonly OpcuaSecurityMode[];
  /**
   * Where the server keeps its certificate and trust lists (`server/`, `user/`). Default: one
   * shared folder under the OS temp dir, so the self-signed certificate is made only once.
   */
  readonly pkiDir?: string;
}

export interface OpcuaSimulator {
  readonly endpointUrl: string;
  readonly port: number;
  /** Where the server's PKI lives; `server/own/certs/certificate.pem` is its certificate. */
  readonly pkiDir: string;
  /** Wall time start-up took, certificate creation included (see README.md). */
  readonly startupMs: number;
  close(): Promise<void>;
}

export const DEFAULT_OPCUA_PKI_DIR = join(tmpdir(), 'vpp-sim-opcua-pki');
const PORT_ATTEMPTS = 3;

/** A port that was free a moment ago; node-opcua advertises the port it is given, so 0 won't do. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function securitySettings(modes: readonly OpcuaSecurityMode[]): { securityModes: MessageSecurityMode[]; securityPolicies: SecurityPolicy[] } {
  if (modes.length === 0) throw new VppError('SIM_OPCUA_OPTION_INVALID', 'securityModes must name at least one mode, got []');
  const securityModes: MessageSecurityMode[] = [];
  const securityPolicies: SecurityPolicy[] = [];
  modes.forEach((mode, i) => {
    if (mode === 'None') {
      securityModes.push(MessageSecurityMode.None);
      securityPolicies.push(SecurityPolicy.None);
    } else if (mode === 'SignAndEncrypt') {
      securityModes.push(MessageSecurityMode.SignAndEncrypt);
      securityPolicies.push(SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss);
    } else {
      throw new VppError('SIM_OPCUA_OPTION_INVALID', `securityModes[${i}] must be 'None' or 'SignAndEncrypt', got ${JSON.stringify(mode)}`);
    }
  });
  return { securityModes, securityPolicies };
}

function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && /EADDRINUSE/.test(`${error.message} ${String((error as { code?: unknown }).code)}`);
}

async function startOnce(opts: OpcuaSimulatorOptions, host: string, port: number, pkiDir: string): Promise<OPCUAServer> {
  const server = new OPCUAServer({
    host,
    hostname: host,
    port,
    ...securitySettings(opts.securityModes ?? ['None']),
    allowAnonymous: true,
    // A simulator trusts whoever connects: tests and engineers' clients bring fresh certificates.
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: join(pkiDir, 'server'), automaticallyAcceptUnknownCertificate: true }),
    userCertificateManager: new OPCUACertificateManager({ rootFolder: join(pkiDir, 'user'), automaticallyAcceptUnknownCertificate: true }),
    // Start-up speed: no LDS registration, no mDNS, no auditing events, few sessions.
    registerServerMethod: RegisterServerMethod.HIDDEN,
    isAuditing: false,
    serverCapabilities: { maxSessions: 20 },
    maxConnectionsPerEndpoint: 20,
    // Namespace 1 is ours (urn:vpp:sim), so NodeIds read ns=1;s=<site>/<asset>/<metric>.
    skipOwnNamespace: true,
    serverInfo: { applicationName: { text: 'VPP simulator', locale: 'en' } },
    buildInfo: { productName: 'vpp-sim', manufacturerName: 'vpp-controller' },
  });
  try {
    await server.initialize();
    const addressSpace = server.engine.addressSpace;
    if (addressSpace === null) throw new VppError('SIM_OPCUA_START', 'node-opcua initialised without an address space');
    buildSimAddressSpace(addressSpace, opts.devices);
    await server.start();
    return server;
  } catch (error) {
    await server.shutdown(0).catch(() => undefined);
    throw error;
  }
}

/**
 * Serves the devices over OPC UA: readings as Double variables read through on every access,
 * commands as writable setpoints (README.md has the node layout). Port 0 finds a free port
 * first and retries if another process took it in the meantime.
 */
export async function startOpcuaSimulator(opts: OpcuaSimulatorOptions): Promise<OpcuaSimulator> {
  const startedAt = performance.now();
  const host = opts.host ?? '127.0.0.1';
  const pkiDir = opts.pkiDir ?? DEFAULT_OPCUA_PKI_DIR;
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65_535) {
    throw new VppError('SIM_OPCUA_OPTION_INVALID', `port must be an integer 0..65535, got ${opts.port}`);
  }
  securitySettings(opts.securityModes ?? ['None']);
  let server: OPCUAServer | null = null;
  let port = opts.port;
  for (let attempt = 1; server === null; attempt += 1) {
    port = opts.port === 0 ? await freePort(host) : opts.port;
    try {
      server = await startOnce(opts, host, port, pkiDir);
    } catch (error) {
      if (opts.port !== 0 || !isAddressInUse(error) || attempt >= PORT_ATTEMPTS) {
        throw error instanceof VppError ? error : new VppError('SIM_OPCUA_START', `OPC UA server on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
  }
  const running = server;
  let closing: Promise<void> | null = null;
  return {
    endpointUrl: running.getEndpointUrl(),
    port,
    pkiDir,
    startupMs: performance.now() - startedAt,
    close: () => (closing ??= running.shutdown(0)),
  };
}
