import { createHash, X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';
import { VppError } from '../../src/domain/errors.js';

/**
 * The client PKI (node-opcua-pki layout): `own/` holds our certificate and key (made on first
 * use), `trusted/certs/` the server certificates we accept, `rejected/` the ones we saw and
 * refused. `vpp certs list|trust|reject` works on these functions.
 */
export interface ServerCertificateInfo {
  /** SHA-1 of the DER certificate, lower-case hex: what OPC UA tools call the thumbprint. */
  readonly thumbprint: string;
  readonly status: 'trusted' | 'rejected';
  readonly subject: string;
  readonly validTo: string;
  readonly file: string;
}

/** Where the OPC UA client PKI lives inside the data dir. */
export function opcuaPkiDir(dataDir: string): string {
  return join(dataDir, 'pki', 'opcua-client');
}

/** The first certificate of a DER chain (a server may send its issuers after it). */
export function firstDerCertificate(chain: Buffer): Buffer {
  // A certificate is a DER SEQUENCE (0x30); its length is short-form or long-form (0x8n + n bytes).
  if (chain.length < 2 || chain[0] !== 0x30) return chain;
  const first = chain[1] ?? 0;
  if (first < 0x80) return chain.subarray(0, 2 + first);
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (chain[2 + i] ?? 0);
  return chain.subarray(0, Math.min(chain.length, 2 + n + len));
}

export function certificateThumbprint(der: Buffer): string {
  return createHash('sha1').update(firstDerCertificate(der)).digest('hex');
}

async function certificatesIn(dir: string, status: ServerCertificateInfo['status']): Promise<Array<ServerCertificateInfo & { der: Buffer }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // not created yet: no certificate seen
  }
  const out: Array<ServerCertificateInfo & { der: Buffer }> = [];
  for (const name of names.filter((n) => /\.(pem|der|crt)$/i.test(n)).sort()) {
    const file = join(dir, name);
    try {
      const x = new X509Certificate(await readFile(file));
      out.push({ thumbprint: certificateThumbprint(x.raw), status, subject: x.subject.replace(/\n/g, ', '), validTo: new Date(x.validTo).toISOString(), file, der: x.raw });
    } catch {
      // Not a certificate (a stray file): the PKI library ignores it too.
    }
  }
  return out;
}

async function allCertificates(pkiDir: string): Promise<Array<ServerCertificateInfo & { der: Buffer }>> {
  return [...(await certificatesIn(join(pkiDir, 'trusted', 'certs'), 'trusted')), ...(await certificatesIn(join(pkiDir, 'rejected'), 'rejected'))];
}

/** Every server certificate the client PKI knows, trusted first. */
export async function listServerCertificates(pkiDir: string): Promise<ServerCertificateInfo[]> {
  return (await allCertificates(pkiDir)).map(({ der: _der, ...info }) => info);
}

async function find(pkiDir: string, thumbprint: string): Promise<ServerCertificateInfo & { der: Buffer }> {
  const wanted = thumbprint.toLowerCase().replace(/:/g, '');
  if (!/^[0-9a-f]{6,40}$/.test(wanted)) throw new VppError('CERT_THUMBPRINT_INVALID', `thumbprint must be 6..40 hex digits (a prefix will do), got ${JSON.stringify(thumbprint)}`);
  const matches = (await allCertificates(pkiDir)).filter((c) => c.thumbprint.startsWith(wanted));
  const distinct = [...new Map(matches.map((c) => [c.thumbprint, c])).values()];
  if (distinct.length === 0) throw new VppError('CERT_NOT_FOUND', `no server certificate with thumbprint ${wanted} in ${pkiDir} (connect once so that it is recorded, then trust it)`);
  if (distinct.length > 1) throw new VppError('CERT_AMBIGUOUS', `thumbprint ${wanted} matches ${distinct.map((c) => c.thumbprint).join(', ')}: give more digits`);
  return distinct[0] as ServerCertificateInfo & { der: Buffer };
}

async function move(pkiDir: string, thumbprint: string, to: 'trust' | 'reject'): Promise<ServerCertificateInfo> {
  const cert = await find(pkiDir, thumbprint);
  // The PKI library moves the file and keeps its index; no watchers for a one-shot change.
  const cm = new OPCUACertificateManager({ rootFolder: pkiDir, disableFileWatchers: true });
  try {
    await cm.initialize();
    if (to === 'trust') await cm.trustCertificate(cert.der);
    else await cm.rejectCertificate(cert.der);
  } finally {
    await cm.dispose();
  }
  const status = to === 'trust' ? 'trusted' : 'rejected';
  const after = (await listServerCertificates(pkiDir)).find((c) => c.thumbprint === cert.thumbprint && c.status === status);
  if (after === undefined) throw new VppError('CERT_MOVE_FAILED', `server certificate ${cert.thumbprint} is not in the ${status} list of ${pkiDir} after the move`);
  return after;
}

/** Moves a server certificate (by thumbprint or a unique prefix) to the trusted list. */
export function trustServerCertificate(pkiDir: string, thumbprint: string): Promise<ServerCertificateInfo> {
  return move(pkiDir, thumbprint, 'trust');
}

/** Moves a server certificate to the rejected list: connections to that server fail again. */
export function rejectServerCertificate(pkiDir: string, thumbprint: string): Promise<ServerCertificateInfo> {
  return move(pkiDir, thumbprint, 'reject');
}
