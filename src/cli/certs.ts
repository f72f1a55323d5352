import { listServerCertificates, opcuaPkiDir, rejectServerCertificate, trustServerCertificate, type ServerCertificateInfo } from '../../adapters/opcua/index.js';
import { VppError } from '../domain/index.js';

/**
 * `vpp certs list|trust|reject [THUMBPRINT]`: which OPC UA server certificates the controller
 * trusts. An unknown server certificate is rejected (and kept under rejected/) until trusted
 * here. The PKI lives under $VPP_DATA_DIR (default ./data)/pki/opcua-client.
 */
export async function runCerts(sub: string | undefined, thumbprint: string | undefined, json: boolean): Promise<number> {
  const pkiDir = opcuaPkiDir(process.env.VPP_DATA_DIR !== undefined && process.env.VPP_DATA_DIR !== '' ? process.env.VPP_DATA_DIR : './data');
  const show = (c: ServerCertificateInfo): string => (json ? JSON.stringify(c) : `${c.status.padEnd(8)}  ${c.thumbprint}  ${c.subject}  (valid to ${c.validTo})`);
  try {
    if (sub === 'list' && thumbprint === undefined) {
      const certs = await listServerCertificates(pkiDir);
      if (certs.length > 0) process.stdout.write(`${certs.map(show).join('\n')}\n`);
      else if (!json) process.stderr.write(`vpp certs: no server certificates in ${pkiDir} yet\n`);
      return 0;
    }
    if ((sub === 'trust' || sub === 'reject') && thumbprint !== undefined) {
      const c = sub === 'trust' ? await trustServerCertificate(pkiDir, thumbprint) : await rejectServerCertificate(pkiDir, thumbprint);
      process.stdout.write(`${show(c)}\n`);
      return 0;
    }
  } catch (err) {
    if (err instanceof VppError) {
      process.stderr.write(`vpp certs: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.stderr.write('vpp: expected: vpp certs list [--json] | vpp certs trust THUMBPRINT | vpp certs reject THUMBPRINT\n');
  return 2;
}
