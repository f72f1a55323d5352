import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireBinary, requirePymodbus } from '../helpers/binaries.js';
import { startModbusTcpServer, sunspecBank, type ModbusTcpServer } from '../../simulators/servers/index.js';

const run = promisify(execFile);
const mbpoll = requireBinary('mbpoll');
const pymodbus = await requirePymodbus();

const UNIT = 5;
let server: ModbusTcpServer;
const written: Array<[string, number]> = [];

beforeEach(async () => {
  written.length = 0;
  const storage = {
    read: () => ({ WChaMax: 100_000, StorCtl_Mod: 0, ChaState: 80 }),
    write: (point: string, value: number) => void written.push([point, value]),
  };
  const bank = sunspecBank({ models: [{ id: 103, source: { read: () => ({ W: 4200 }) } }, { id: 124, source: storage }] });
  server = await startModbusTcpServer({ host: '127.0.0.1', port: 0, units: new Map([[UNIT, bank]]) });
});

afterEach(() => server.close());

describe('third-party Modbus clients against our server', () => {
  it.skipIf(mbpoll === null)("mbpoll reads 'SunS' and the model 1 header", async () => {
    // -0: references are 0-based PDU addresses; -1: poll once; -t 4:hex: holding registers in hex.
    const { stdout } = await run(mbpoll ?? 'mbpoll', ['-m', 'tcp', '-a', String(UNIT), '-r', '40000', '-c', '4', '-0', '-1', '-t', '4:hex', '-p', String(server.port), '127.0.0.1']);
    const regs = [...stdout.matchAll(/^\[(\d+)\]:\s+0x([0-9A-F]{4})$/gm)].map((m) => [Number(m[1]), parseInt(m[2] ?? '', 16)]);
    expect(regs).toEqual([[40000, 0x5375], [40001, 0x6e53], [40002, 1], [40003, 66]]);
  });

  it.skipIf(!pymodbus)('pymodbus reads the same registers and writes a point (FC16) that the bank receives', async () => {
    const script = `
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient('127.0.0.1', port=int(sys.argv[1]))
assert c.connect()
rr = c.read_holding_registers(40000, 4, slave=${UNIT})
assert not rr.isError(), rr
print(' '.join(str(r) for r in rr.registers))
# Model 124 starts at 40122 (after SunS, model 1 [2+66], model 103 [2+50]); its body at 40124.
# OutWRte, InWRte at offsets 10, 11: discharge at 25.0 % (InOutWRte_SF = -1).
wr = c.write_registers(40124 + 10, [250, 0], slave=${UNIT})
print('write-error' if wr.isError() else 'write-ok')
bad = c.write_registers(40124 + 6, [1], slave=${UNIT})
print('exception', bad.exception_code if bad.isError() else None)
c.close()
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, String(server.port)]);
    expect(stdout.trim().split('\n')).toEqual([`${0x5375} ${0x6e53} 1 66`, 'write-ok', 'exception 2']);
    expect(written).toEqual([['OutWRte', 25], ['InWRte', 0]]);
  });
});
