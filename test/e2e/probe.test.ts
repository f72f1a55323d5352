import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { requirePymodbus } from '../helpers/binaries.js';
import { runVpp } from '../helpers/cli.js';
import { asciiRegs, rawSunSpecMap, s16, startPymodbus, type PymodbusPeer } from '../helpers/serial.js';

const pymodbus = await requirePymodbus();
const UNIT = 7;

/**
 * An unseen SunSpec device, written register by register from the official model
 * definitions (sunspec/models json/model_<id>.json), not with our codec: map at base 0,
 * unusual scale factors (W_SF = +2, WH_SF = +2, TotWh_SF = +1, meter W_SF = -1), and model
 * 203 VAR holding int16 'not implemented' (0x8000).
 */
const DEVICE = rawSunSpecMap([
  { id: 1, length: 66, regs: { ...asciiRegs('Acme Power', 0), ...asciiRegs('XR-7', 16), ...asciiRegs('2.1.0', 40), ...asciiRegs('SN0042', 48) } },
  // model 103: W at 12, W_SF at 13; WH (acc32) at 22-23, WH_SF at 24.
  { id: 103, length: 50, regs: { 12: 123, 13: s16(2), 22: 0, 23: 54002, 24: s16(2) } },
  // model 203: W at 16, W_SF at 20; VAR at 26, VAR_SF at 30; TotWhExp at 36, TotWhImp at 44, TotWh_SF at 52.
  { id: 203, length: 105, regs: { 16: s16(-4567), 20: s16(-1), 26: 0x8000, 30: 0, 36: 0, 37: 1234, 44: 1, 45: 0x86a0, 52: s16(1) } },
]);

let peer: PymodbusPeer | null = null;
let plain: PymodbusPeer | null = null;

beforeAll(async () => {
  if (!pymodbus) return;
  peer = await startPymodbus({ transport: 'tcp', units: { [UNIT]: { base: 0, registers: DEVICE } } });
  // A Modbus device that is no SunSpec device: registers 0..199 all zero, nothing at 40000 or 50000.
  plain = await startPymodbus({ transport: 'tcp', units: { 1: { base: 0, registers: new Array<number>(200).fill(0) } } });
});

afterAll(async () => {
  await peer?.stop();
  await plain?.stop();
});

describe('vpp probe', () => {
  it.skipIf(!pymodbus)('reads an unseen SunSpec device served by pymodbus, with load-convention signs', async () => {
    const url = `modbus://127.0.0.1:${peer?.port}/${UNIT}`;
    const r = await runVpp(['probe', url, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      url,
      device: { manufacturer: 'Acme Power', model: 'XR-7', serialNumber: 'SN0042', version: '2.1.0' },
      sunspec: {
        baseAddress: 0,
        models: [
          { id: 1, address: 2, length: 66 },
          { id: 103, address: 70, length: 50 },
          { id: 203, address: 122, length: 105 },
        ],
      },
      assets: [
        {
          kind: 'pv',
          model: 103,
          readings: { powerKw: { value: -12.3, quality: 'good' }, energyExportKwh: { value: 5400.2, quality: 'good' } },
        },
        {
          kind: 'meter',
          model: 203,
          readings: {
            powerKw: { value: -0.4567, quality: 'good' }, // export
            energyImportKwh: { value: 1000, quality: 'good' }, // 100000 × 10 Wh
            energyExportKwh: { value: 12.34, quality: 'good' },
            reactiveKvar: { value: null, quality: 'bad' }, // 0x8000: not implemented, never 0
          },
        },
      ],
    });
  });

  it.skipIf(!pymodbus)('prints a small aligned table without --json', async () => {
    const r = await runVpp(['probe', `modbus://127.0.0.1:${peer?.port}/${UNIT}`]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toContain('Acme Power XR-7');
    const table = lines.slice(2);
    expect(table[0]).toMatch(/^kind\s+model\s+metric\s+value\s+quality$/);
    expect(table).toContainEqual(expect.stringMatching(/^pv\s+103\s+powerKw\s+-12\.3\s+good$/));
    expect(table).toContainEqual(expect.stringMatching(/^meter\s+203\s+reactiveKvar\s+-\s+bad$/));
    // Values right-aligned: every row ends its value in the same column.
    expect(new Set(table.map((l) => l.search(/\S+\s+(quality|good|bad)$/) + (/(\S+)\s+(quality|good|bad)$/.exec(l)?.[1]?.length ?? 0))).size).toBe(1);
    // Aligned: every row puts its quality in the same column.
    expect(new Set(table.map((l) => l.search(/(quality|good|bad)$/))).size).toBe(1);
  });

  it.skipIf(!pymodbus)('exits 4 on a Modbus device that is not SunSpec', async () => {
    const r = await runVpp(['probe', `modbus://127.0.0.1:${plain?.port}/1`, '--json']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^vpp probe: .*no 'SunS' marker at 40000, 0, 50000\n$/);
  });

  it('exits 3 when nothing listens', async () => {
    const s = createServer();
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    const a = s.address();
    const port = typeof a === 'object' && a !== null ? a.port : 0;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await runVpp(['probe', `modbus://127.0.0.1:${port}/1`, '--json']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^vpp probe: .*ECONNREFUSED.*\n$/);
  });

  it('exits 2 on a bad URL or arguments, naming the problem on one line', async () => {
    for (const [args, pattern] of [
      [['probe', 'modbus://127.0.0.1:1502/300', '--json'], /unit id 1\.\.247.*'\/300'/],
      [['probe', 'modbus-rtu:///dev/ttyUSB0?unit=3&baud=12345'], /baud must be one of .*'12345'/],
      [['probe', 'http://example.com/1'], /scheme http: is not supported by probe/],
      [['probe', 'modbus://127.0.0.1:1502/1', '--profile', 'acme'], /config\/devices\/acme\.yaml: cannot read/],
    ] as const) {
      const r = await runVpp([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
    expect((await runVpp(['probe'])).code).toBe(2);
  });
});
