import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplaySubject, filter, firstValueFrom, timeout } from 'rxjs';
import { createOpcuaAdapter, listServerCertificates, rejectServerCertificate, trustServerCertificate, type OpcuaAdapterOptions } from '../../adapters/opcua/index.js';
import type { DeviceAdapter, Telemetry } from '../../src/domain/index.js';
import { startOpcuaSimulator, type OpcuaSimulator } from '../../simulators/servers/index.js';
import { fakeBattery } from '../helpers/sim-devices.js';

describe('OPC UA adapter with SignAndEncrypt / Basic256Sha256', () => {
  let dir: string;
  let sim: OpcuaSimulator;
  let serverThumbprint: string;
  const bess = fakeBattery('plant-1', 'bess', { socPct: 55 });
  let open: DeviceAdapter[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vpp-opcua-adapter-sec-'));
    sim = await startOpcuaSimulator({ port: 0, devices: [bess.device], pkiDir: join(dir, 'server-pki'), securityModes: ['None', 'SignAndEncrypt'] });
    // Computed independently of the adapter: SHA-1 of the server's DER certificate.
    const cert = new X509Certificate(await readFile(join(sim.pkiDir, 'server', 'own', 'certs', 'certificate.pem')));
    serverThumbprint = cert.fingerprint.replace(/:/g, '').toLowerCase();
  });

  afterEach(async () => {
    for (const a of open) await a.close();
    open = [];
  });

  afterAll(async () => {
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function adapter(pki: string, options: OpcuaAdapterOptions = {}): DeviceAdapter {
    const a = createOpcuaAdapter(
      { siteId: 'plant-1', assetId: 'bess', kind: 'battery', binding: `${sim.endpointUrl}?profile=vpp-sim-opcua-battery&security=SignAndEncrypt`, pollIntervalS: 0.2, revertS: 15 },
      { pkiDir: join(dir, pki), ...options },
    );
    open.push(a);
    return a;
  }

  it('rejects an unknown server certificate, naming its thumbprint and how to trust it; works once trusted', async () => {
    const refused = adapter('client-pki');
    const err = await refused.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'OPCUA_SERVER_UNTRUSTED' });
    expect((err as Error).message).toContain(`vpp certs trust ${serverThumbprint}`);
    expect(refused.health()).toMatchObject({ connected: false, consecutiveErrors: 1 });
    expect(await listServerCertificates(join(dir, 'client-pki'))).toEqual([expect.objectContaining({ thumbprint: serverThumbprint, status: 'rejected' })]);

    // A unique prefix is enough, as with git hashes.
    expect(await trustServerCertificate(join(dir, 'client-pki'), serverThumbprint.slice(0, 10))).toMatchObject({ thumbprint: serverThumbprint, status: 'trusted' });
    expect(await listServerCertificates(join(dir, 'client-pki'))).toEqual([expect.objectContaining({ thumbprint: serverThumbprint, status: 'trusted' })]);

    const trusted = adapter('client-pki');
    const seen$ = new ReplaySubject<Telemetry>();
    trusted.telemetry$.subscribe(seen$);
    const t0 = performance.now();
    await trusted.connect();
    console.info(`OPC UA SignAndEncrypt Basic256Sha256 session open (client certificate exists): ${(performance.now() - t0).toFixed(0)} ms`);
    const soc = await firstValueFrom(seen$.pipe(filter((t) => t.metric === 'socPct' && t.quality === 'good'), timeout(5000)));
    expect(soc.value).toBe(55);
    const sp = { siteId: 'plant-1', assetId: 'bess', reason: 'test', atMs: Date.now() };
    expect(await trusted.write({ ...sp, powerKw: 33 })).toEqual({ ok: true, readBackKw: 33, detail: null });
    expect(bess.state).toEqual({ powerKw: 33, revertS: 15 });
  });

  it('a rejected certificate is refused again', async () => {
    const pki = 'client-pki-2';
    await expect(adapter(pki, { trustUnknownServer: true }).connect()).resolves.toBeUndefined();
    expect(await listServerCertificates(join(dir, pki))).toEqual([expect.objectContaining({ thumbprint: serverThumbprint, status: 'trusted' })]);
    await rejectServerCertificate(join(dir, pki), serverThumbprint);
    await expect(adapter(pki).connect()).rejects.toMatchObject({ code: 'OPCUA_SERVER_UNTRUSTED' });
  });

  it('names unknown or ambiguous thumbprints', async () => {
    await expect(trustServerCertificate(join(dir, 'client-pki'), 'abcdef0123')).rejects.toMatchObject({ code: 'CERT_NOT_FOUND' });
    await expect(trustServerCertificate(join(dir, 'client-pki'), 'xyz')).rejects.toMatchObject({ code: 'CERT_THUMBPRINT_INVALID' });
  });
});
