import { createServer } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODBUS_EXCEPTION, ModbusException, startModbusTcpServer, type ModbusTcpServer, type RegisterBank } from '../../simulators/servers/index.js';
import { runVpp } from '../helpers/cli.js';

/**
 * An HVAC unit with the simulators' plain map (simulators/servers/README.md), registers set by
 * hand: 59.5 kW, -12.3 °C, running, 20000.1 kWh; and a unit that refuses every register.
 */
const HVAC: Readonly<Record<number, number>> = { 0: 595, 1: 0xff85, 2: 240, 3: 10, 4: 0x0003, 5: 0x0d41 };
const hvacBank: RegisterBank = {
  read: (address, count) => Uint16Array.from({ length: count }, (_, i) => HVAC[address + i] ?? 0),
  write: () => undefined,
};
const refusing: RegisterBank = {
  read: (address) => {
    throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `register ${address} is not mapped`);
  },
  write: () => undefined,
};

let server: ModbusTcpServer;
beforeAll(async () => {
  server = await startModbusTcpServer({ host: '127.0.0.1', port: 0, units: new Map([[3, hvacBank], [9, refusing]]) });
});
afterAll(async () => {
  await server.close();
});

describe('vpp probe --profile', () => {
  it('prints the contract’s JSON with sunspec null and the profile that named the registers', async () => {
    const url = `modbus://127.0.0.1:${server.port}/3`;
    const r = await runVpp(['probe', url, '--profile', 'vpp-sim-modbus-hvac', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { assets: Array<{ readings: Record<string, { value: number }> }> };
    expect(out).toEqual({
      url,
      device: { manufacturer: 'vpp', model: 'simulated HVAC unit (plain Modbus map)', serialNumber: null, version: null },
      sunspec: null,
      profile: { name: 'vpp-sim-modbus-hvac', source: expect.stringMatching(/^simulators\/servers\/README\.md/) as string },
      assets: [
        {
          kind: 'hvac',
          model: null,
          readings: {
            powerKw: { value: expect.closeTo(59.5, 9) as number, quality: 'good' },
            temperatureC: { value: expect.closeTo(-12.3, 9) as number, quality: 'good' },
            state: { value: 1, quality: 'good' },
            energyImportKwh: { value: expect.closeTo(20000.1, 9) as number, quality: 'good' },
          },
        },
      ],
    });
    expect(Object.keys(out.assets[0]?.readings ?? {})).toEqual(['powerKw', 'temperatureC', 'state', 'energyImportKwh']);
  });

  it('prints a small aligned table without --json', async () => {
    const r = await runVpp(['probe', `modbus://127.0.0.1:${server.port}/3`, '--profile', 'vpp-sim-modbus-hvac']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^modbus:\/\/127\.0\.0\.1:\d+\/3 {2}vpp simulated HVAC unit/);
    expect(lines[1]).toMatch(/^profile vpp-sim-modbus-hvac: simulators\/servers\/README\.md/);
    const table = lines.slice(2);
    expect(table[0]).toMatch(/^kind\s+model\s+metric\s+value\s+quality$/);
    expect(table).toContainEqual(expect.stringMatching(/^hvac\s+-\s+temperatureC\s+-12\.3\s+good$/));
    expect(table).toHaveLength(5);
    // Aligned: every row puts its quality, and ends its value, in the same column.
    expect(new Set(table.map((l) => l.search(/(quality|good|bad)$/))).size).toBe(1);
    expect(new Set(table.map((l) => /^(.*\S)\s+(quality|good|bad)$/.exec(l)?.[1]?.length)).size).toBe(1);
  });

  it.each([
    ['an unknown profile', ['3', 'no-such-device'], /config\/devices\/no-such-device\.yaml: cannot read/],
    ['a profile name that is a path', ['3', '../etc/passwd'], /profile name must be lower-case/],
    ['a bad unit id', ['300', 'vpp-sim-modbus-hvac'], /unit id 1\.\.247.*'\/300'/],
    ['a URL naming another profile', ['3?profile=vpp-sim-modbus-ev-charger', 'vpp-sim-modbus-hvac'], /names profile vpp-sim-modbus-ev-charger, --profile says vpp-sim-modbus-hvac/],
  ] as const)('exits 2 on %s, naming it on one line', async (_what, [unit, profile], pattern) => {
    const r = await runVpp(['probe', `modbus://127.0.0.1:${server.port}/${unit}`, '--profile', profile, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
  });

  it('exits 2 on a scheme no adapter speaks', async () => {
    const r = await runVpp(['probe', 'http://example.com/1', '--profile', 'vpp-sim-modbus-hvac']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vpp probe: .*scheme http: is not supported.*\n$/);
  });

  it('exits 3 when nothing listens', async () => {
    const s = createServer();
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    const a = s.address();
    const port = typeof a === 'object' && a !== null ? a.port : 0;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await runVpp(['probe', `modbus://127.0.0.1:${port}/3`, '--profile', 'vpp-sim-modbus-hvac', '--json']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^vpp probe: .*ECONNREFUSED.*\n$/);
  });

  it('exits 4 when the device refuses every register of the profile', async () => {
    const refused = await runVpp(['probe', `modbus://127.0.0.1:${server.port}/9`, '--profile', 'vpp-sim-modbus-hvac', '--json']);
    expect(refused.code).toBe(4);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^vpp probe: .*refused every register of the profile.*exception 2.*\n$/);
  });

  it('exits 4 when the profile is for another protocol than the URL', async () => {
    const mqtt = await runVpp(['probe', `modbus://127.0.0.1:${server.port}/3`, '--profile', 'vpp-sim-mqtt-battery']);
    expect(mqtt.code).toBe(4);
    expect(mqtt.stderr).toMatch(/^vpp probe: profile vpp-sim-mqtt-battery is for protocol mqtt, the URL speaks modbus\n$/);
  });
});
