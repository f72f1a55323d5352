import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeIds, DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, StatusCodes } from 'node-opcua';
import { loadScenarioFile, startScenario, type SimRun } from '../../simulators/index.js';
import { MODEL_1, MODEL_103 } from '../../src/domain/sunspec/index.js';
import { requireBinary, requirePymodbus } from '../helpers/binaries.js';
import { mosquittoPub } from '../helpers/mosquitto.js';
import { openTcpClient } from '../../adapters/modbus/index.js';

/**
 * `vpp sim`'s devices driven by third-party clients: a setpoint written by mbpoll, Debian's
 * pymodbus, mosquitto_pub or a node-opcua client changes the simulated power within one step.
 */
const run$ = promisify(execFile);
const mbpoll = requireBinary('mbpoll');
const mosquittoPubBin = requireBinary('mosquitto_pub');
const pymodbus = await requirePymodbus();

// SunSpec layout of a 1 + 103 + (123 | 124) device: the third model's body starts here.
const THIRD_BODY = 40000 + 2 + (2 + MODEL_1.length) + (2 + MODEL_103.length) + 2;
const pkiDir = mkdtempSync(join(tmpdir(), 'vpp-sim-peers-'));
let sim: SimRun;
const url = (asset: string, protocol: string): string => sim.endpoints.find((e) => e.asset === asset && e.protocol === protocol)?.url ?? '';
const modbusPort = (): number => Number(new URL(url('bess', 'modbus')).port);
const power = (asset: string): number | null | undefined => sim.devices.get(asset)?.readings().powerKw;

beforeAll(async () => {
  sim = await startScenario({ scenario: loadScenarioFile('test/fixtures/scenarios/peers.yaml'), speed: 0, portBase: 0, opcuaPkiDir: pkiDir });
}, 60_000);

afterAll(async () => {
  await sim?.close();
  rmSync(pkiDir, { recursive: true, force: true });
});

describe('vpp sim endpoints', () => {
  it('serves every device, and each site meter, over the protocol its scenario names', () => {
    const seen = sim.endpoints.map((e) => `${e.asset}:${e.kind}:${e.protocol}`).sort();
    expect(seen).toEqual(['base:load:modbus', 'bess-ua:battery:opcua', 'bess:battery:modbus', 'ev-m:evCharger:modbus', 'ev-q:evCharger:mqtt', 'roof:pv:modbus', 's1-meter:meter:modbus'].sort());
    expect(url('s1-meter', 'modbus')).toMatch(/^modbus:\/\/127\.0\.0\.1:\d+\/1$/);
  });
});

describe('third-party clients write setpoints that act within one step', () => {
  it.skipIf(!pymodbus)('pymodbus discharges the Modbus battery through SunSpec 124', async () => {
    const script = `
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient('127.0.0.1', port=int(sys.argv[1]))
assert c.connect()
body = int(sys.argv[2])
# OutWRte, InWRte (offsets 10, 11; InOutWRte_SF = -1): discharge at 40.0 %; then StorCtl_Mod = DISCHARGE.
print('ok' if not c.write_registers(body + 10, [400, 0], slave=4).isError() and not c.write_register(body + 3, 2, slave=4).isError() else 'error')
c.close()
`;
    const { stdout } = await run$('/usr/bin/python3', ['-c', script, String(modbusPort()), String(THIRD_BODY)]);
    expect(stdout.trim()).toBe('ok');
    sim.step(1);
    expect(power('bess')).toBeCloseTo(-40, 6);
  });

  it.skipIf(mbpoll === null)('mbpoll curtails the PV inverter through SunSpec 123 WMaxLimPct', async () => {
    const available = -(power('roof') ?? 0);
    expect(available).toBeGreaterThan(30); // July noon: the limit below bites
    const write = (ref: number, value: number) =>
      run$('mbpoll', ['-m', 'tcp', '-a', '3', '-r', String(ref), '-0', '-1', '-p', String(modbusPort()), '127.0.0.1', String(value)]);
    await write(THIRD_BODY + 3, 300); // WMaxLimPct 30.0 % (WMaxLimPct_SF = -1)
    await write(THIRD_BODY + 7, 1); // WMaxLim_Ena = ENABLED
    sim.step(1);
    expect(power('roof')).toBeCloseTo(-30, 6);
  });

  it.skipIf(mosquittoPubBin === null)('mosquitto_pub sets the MQTT charger current', async () => {
    const broker = new URL(url('ev-q', 'mqtt'));
    await mosquittoPub(Number(broker.port), `${broker.pathname.slice(1)}/s1/ev-q/command`, JSON.stringify({ id: 'c1', currentA: 16 }));
    // The command travels through the broker: wait for it to land, then one step applies it.
    const deadline = Date.now() + 5000;
    while (sim.devices.get('ev-q')?.readings().powerKw === 22 && Date.now() < deadline) {
      sim.step(0.001);
      await new Promise((r) => setTimeout(r, 20));
    }
    sim.step(1);
    expect(power('ev-q')).toBeCloseTo((16 * 3 * 230) / 1000, 6);
  });

  it('a node-opcua client sets the OPC UA battery power', async () => {
    const client = OPCUAClient.create({
      endpointMustExist: false,
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      connectionStrategy: { maxRetry: 0 },
      clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(pkiDir, 'client'), automaticallyAcceptUnknownCertificate: true }),
    });
    await client.connect(url('bess-ua', 'opcua'));
    const session = await client.createSession();
    try {
      const status = await session.write({ nodeId: 'ns=1;s=s1/bess-ua/Setpoints/powerKw', attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 20 } } });
      expect(status).toBe(StatusCodes.Good);
      sim.step(1);
      expect(power('bess-ua')).toBeCloseTo(20, 6);
    } finally {
      await session.close();
      await client.disconnect();
    }
  }, 30_000);
});

describe('faults act on the wire', () => {
  it('a lost device stops answering, then answers again; a reboot loses its setpoint; stuck readings freeze', async () => {
    const stepTo = (iso: string) => sim.step((Date.parse(iso) - sim.simNowMs()) / 1000);
    const wAddress = 40000 + 2 + (2 + MODEL_1.length) + 2 + (MODEL_103.byName.get('W')?.offset ?? NaN);
    const client = await openTcpClient({ host: '127.0.0.1', port: modbusPort(), unit: 4, timeoutMs: 300 });
    try {
      const readW = async () => (await client.readHolding(wAddress, 1))[0];
      stepTo('2025-07-15T12:10:30+08:00');
      await expect(readW()).rejects.toThrow();
      stepTo('2025-07-15T12:11:30+08:00'); // the commLoss is over
      await expect(readW()).resolves.toBeTypeOf('number');
      expect(power('bess')).toBeCloseTo(-40, 6); // still discharging as commanded
      stepTo('2025-07-15T12:20:30+08:00'); // rebooted at 12:20: setpoint lost
      expect(power('bess')).toBe(0);
      stepTo('2025-07-15T12:30:30+08:00'); // stuck since 12:30
      const frozenW = await readW();
      sim.devices.get('bess')?.command('powerKw', -30);
      sim.step(5);
      expect(power('bess')).toBeCloseTo(-30, 6); // the physics moved …
      expect(await readW()).toBe(frozenW); // … what the device reports did not
      stepTo('2025-07-15T12:32:30+08:00'); // the stuck fault is over
      expect(await readW()).not.toBe(frozenW);
    } finally {
      await client.close();
    }
  }, 30_000);
});
