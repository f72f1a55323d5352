import { join } from 'node:path';
import { VppError } from '../../src/domain/errors.js';
import { certificateThumbprint } from './certs.js';

export const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** node-opcua requests can wait out a reconnection indefinitely; callers need a bound. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new VppError('DEVICE_TIMEOUT', `${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * The VppError a failed connect() rejects with. An untrusted server certificate gets its own
 * code and the thumbprint, since the operator's next step is to check and trust it.
 */
export function connectError(e: unknown, lastServerCertificate: Buffer | null, where: string, pkiDir: string): VppError {
  if (e instanceof VppError && e.code.startsWith('PROFILE_')) return e;
  if (lastServerCertificate !== null && /certificate verification failed/i.test(message(e))) {
    const thumbprint = certificateThumbprint(lastServerCertificate);
    return new VppError(
      'OPCUA_SERVER_UNTRUSTED',
      `${where}: the server certificate ${thumbprint} is not trusted (recorded in ${join(pkiDir, 'rejected')}); check it belongs to the device, then run: vpp certs trust ${thumbprint}`,
      { cause: e },
    );
  }
  if (e instanceof VppError) return e.code === 'DEVICE_TIMEOUT' ? new VppError('DEVICE_UNREACHABLE', e.message, { cause: e }) : e;
  return new VppError('DEVICE_UNREACHABLE', `${where}: ${message(e)}`, { cause: e });
}
