import { OPCUACertificateManager, type StatusCode } from 'node-opcua';

type StatusCodeCallback = (err: Error | null, statusCode?: StatusCode) => void;

/**
 * The client's certificate manager, remembering the last server certificate it was asked to
 * check: node-opcua's "verification failed" error does not say which certificate, and the
 * operator needs its thumbprint to trust it.
 */
export class ClientCertificateManager extends OPCUACertificateManager {
  lastCheckedCertificate: Buffer | null = null;

  override checkCertificate(certificate: Buffer): Promise<StatusCode>;
  override checkCertificate(certificate: Buffer, callback: StatusCodeCallback): void;
  override checkCertificate(certificate: Buffer, callback?: StatusCodeCallback): Promise<StatusCode> | void {
    this.lastCheckedCertificate = certificate;
    return callback === undefined ? super.checkCertificate(certificate) : super.checkCertificate(certificate, callback);
  }
}
