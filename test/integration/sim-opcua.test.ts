import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, StatusCodes, type ClientSession } from 'node-opcua';
import { startOpcuaSimulator, type OpcuaSimulator, type SimDevice } from '../../simulators/servers/index.js';
import { fakeBattery } from '../helpers/sim-devices.js';

function battery(siteId: string, assetId: string) {
  return fakeBattery(siteId, assetId, { socPct: 61.5 });
}

function meter(siteId: string, assetId: string, powerKw: number): SimDevice {
  return { siteId, assetId, kind: 'meter', commands: [], readings: () => ({ powerKw, reactiveKvar: null }), command: () => undefined };
}

async function connectClient(endpointUrl: string, pkiDir: string, mode: MessageSecurityMode, policy: SecurityPolicy) {
  const client = OPCUAClient.create({
    endpointMustExist: false,
    securityMode: mode,
    securityPolicy: policy,
    connectionStrategy: { maxRetry: 0 },
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true }),
  });
  await client.connect(endpointUrl);
  const session = await client.createSession();
  return { client, session };
}

async function browseNames(session: ClientSession, nodeId: string): Promise<string[]> {
  const result = await session.browse(nodeId);
  expect(result.statusCode).toBe(StatusCodes.Good);
  return (result.references ?? []).map((r) => r.browseName.name ?? '').sort();
}

async function write(session: ClientSession, nodeId: string, dataType: DataType, value: number) {
  return session.write({ nodeId, attributeId: AttributeIds.Value, value: { value: { dataType, value } } });
}

const bess = battery('plant-1', 'bess');
const devices = [bess.device, meter('plant-1', 'grid', 42.5), meter('plant-2', 'grid', -3)];

describe('OPC UA simulator with a node-opcua client (SecurityMode None)', () => {
  let dir: string;
  let sim: OpcuaSimulator;
  let conn: Awaited<ReturnType<typeof connectClient>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vpp-opcua-test-'));
    // A fresh PKI dir: this start includes making the self-signed certificate.
    sim = await startOpcuaSimulator({ port: 0, devices, pkiDir: join(dir, 'server-pki') });
    console.info(`OPC UA simulator start-up with certificate creation: ${sim.startupMs.toFixed(0)} ms`);
    conn = await connectClient(sim.endpointUrl, join(dir, 'client-pki'), MessageSecurityMode.None, SecurityPolicy.None);
  });

  afterAll(async () => {
    await conn?.session.close();
    await conn?.client.disconnect();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 on the port it found and serves urn:vpp:sim as namespace 1', async () => {
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.endpointUrl).toBe(`opc.tcp://127.0.0.1:${sim.port}`);
    const namespaces = await conn.session.readNamespaceArray();
    expect(namespaces[1]).toBe('urn:vpp:sim');
  });

  it('browse finds one folder per site and asset under Objects/Sites', async () => {
    expect(await browseNames(conn.session, 'i=85')).toContain('Sites');
    expect(await browseNames(conn.session, 'ns=1;s=Sites')).toEqual(['plant-1', 'plant-2']);
    expect(await browseNames(conn.session, 'ns=1;s=plant-1')).toEqual(['bess', 'grid']);
    expect(await browseNames(conn.session, 'ns=1;s=plant-1/bess')).toEqual(['Kind', 'Setpoints', 'powerKw', 'socPct']);
    expect(await browseNames(conn.session, 'ns=1;s=plant-1/bess/Setpoints')).toEqual(['powerKw', 'revertS']);
    expect(await browseNames(conn.session, 'ns=1;s=plant-2/grid')).toEqual(['Kind', 'powerKw', 'reactiveKvar']);
  });

  it('read gives the device readings, the unit in the description, and BadNoData for null', async () => {
    const [power, soc, grid, reactive, kind] = await conn.session.read([
      { nodeId: 'ns=1;s=plant-1/bess/powerKw', attributeId: AttributeIds.Value },
      { nodeId: 'ns=1;s=plant-1/bess/socPct', attributeId: AttributeIds.Value },
      { nodeId: 'ns=1;s=plant-1/grid/powerKw', attributeId: AttributeIds.Value },
      { nodeId: 'ns=1;s=plant-1/grid/reactiveKvar', attributeId: AttributeIds.Value },
      { nodeId: 'ns=1;s=plant-1/grid/Kind', attributeId: AttributeIds.Value },
    ]);
    expect([power?.value.value, soc?.value.value, grid?.value.value]).toEqual([0, 61.5, 42.5]);
    expect(power?.value.dataType).toBe(DataType.Double);
    expect(reactive?.statusCode).toBe(StatusCodes.BadNoData);
    expect(reactive?.value.value).toBeNull();
    expect(kind?.value.value).toBe('meter');
    const description = await conn.session.read({ nodeId: 'ns=1;s=plant-1/bess/powerKw', attributeId: AttributeIds.Description });
    expect(String(description.value.value.text)).toMatch(/^kW, load convention/);
  });

  it('a setpoint write reaches device.command and the reading follows', async () => {
    expect(await write(conn.session, 'ns=1;s=plant-1/bess/Setpoints/powerKw', DataType.Double, -50)).toBe(StatusCodes.Good);
    expect(bess.state.powerKw).toBe(-50);
    const [reading, setpoint] = await conn.session.read([
      { nodeId: 'ns=1;s=plant-1/bess/powerKw', attributeId: AttributeIds.Value },
      { nodeId: 'ns=1;s=plant-1/bess/Setpoints/powerKw', attributeId: AttributeIds.Value },
    ]);
    expect(reading?.value.value).toBe(-50);
    expect(setpoint?.value.value).toBe(-50);
  });

  it('an out-of-range or non-finite write answers BadOutOfRange and changes nothing', async () => {
    const before = { ...bess.state };
    expect(await write(conn.session, 'ns=1;s=plant-1/bess/Setpoints/powerKw', DataType.Double, 500)).toBe(StatusCodes.BadOutOfRange);
    expect(await write(conn.session, 'ns=1;s=plant-1/bess/Setpoints/powerKw', DataType.Double, Number.NaN)).toBe(StatusCodes.BadOutOfRange);
    expect(await write(conn.session, 'ns=1;s=plant-1/bess/Setpoints/powerKw', DataType.Int32, 5)).toBe(StatusCodes.BadTypeMismatch);
    expect(await write(conn.session, 'ns=1;s=plant-1/bess/powerKw', DataType.Double, 5)).toBe(StatusCodes.BadNotWritable);
    expect(bess.state).toEqual(before);
  });

  it('a second server on the same PKI starts without making a certificate', async () => {
    const again = await startOpcuaSimulator({ port: 0, devices: [meter('s', 'm', 1)], pkiDir: join(dir, 'server-pki') });
    try {
      console.info(`OPC UA simulator start-up with an existing certificate: ${again.startupMs.toFixed(0)} ms`);
      expect(again.port).not.toBe(sim.port);
    } finally {
      await again.close();
    }
  });

  it('rejects invalid options naming the field', async () => {
    await expect(startOpcuaSimulator({ port: -1, devices })).rejects.toMatchObject({ code: 'SIM_OPCUA_OPTION_INVALID', message: expect.stringContaining('port') });
    await expect(startOpcuaSimulator({ port: 0, devices, securityModes: [] })).rejects.toMatchObject({ code: 'SIM_OPCUA_OPTION_INVALID' });
  });
});

describe('OPC UA simulator with SignAndEncrypt', () => {
  let dir: string;
  let sim: OpcuaSimulator;
  let conn: Awaited<ReturnType<typeof connectClient>> | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vpp-opcua-sec-'));
    sim = await startOpcuaSimulator({ port: 0, devices, pkiDir: join(dir, 'server-pki'), securityModes: ['None', 'SignAndEncrypt'] });
  });

  afterAll(async () => {
    await conn?.session.close();
    await conn?.client.disconnect();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('offers exactly None/None and SignAndEncrypt with three policies', async () => {
    const client = OPCUAClient.create({
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0 },
      clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(dir, 'client-pki'), automaticallyAcceptUnknownCertificate: true }),
    });
    await client.connect(sim.endpointUrl);
    try {
      const endpoints = await client.getEndpoints();
      const offered = endpoints.map((e) => `${MessageSecurityMode[e.securityMode]} ${(e.securityPolicyUri ?? '').split('#')[1]}`).sort();
      expect(offered).toEqual(['None None', 'SignAndEncrypt Aes128_Sha256_RsaOaep', 'SignAndEncrypt Aes256_Sha256_RsaPss', 'SignAndEncrypt Basic256Sha256']);
    } finally {
      await client.disconnect();
    }
  });

  it('an encrypted session reads and writes like an open one', async () => {
    conn = await connectClient(sim.endpointUrl, join(dir, 'client-pki'), MessageSecurityMode.SignAndEncrypt, SecurityPolicy.Basic256Sha256);
    expect(await write(conn.session, 'ns=1;s=plant-1/bess/Setpoints/powerKw', DataType.Double, 25)).toBe(StatusCodes.Good);
    const value = await conn.session.read({ nodeId: 'ns=1;s=plant-1/bess/powerKw', attributeId: AttributeIds.Value });
    expect(value.value.value).toBe(25);
  });
});
