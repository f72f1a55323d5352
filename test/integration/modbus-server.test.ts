import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import {
  MODBUS_EXCEPTION,
  ModbusException,
  startModbusTcpServer,
  sunspecBank,
  type ModbusTcpServer,
  type RegisterBank,
} from '../../simulators/servers/index.js';
import { exceptionCodeOf, openTcpClient, type RegisterClient } from '../../adapters/modbus/index.js';

/** 100 holding registers at 0..99 holding their own address; writable. */
function arrayBank(): RegisterBank & { regs: Uint16Array } {
  const regs = Uint16Array.from({ length: 100 }, (_, i) => i);
  return {
    regs,
    read(address, count) {
      if (address + count > regs.length) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `${address}+${count}`);
      return regs.slice(address, address + count);
    },
    write(address, values) {
      if (address + values.length > regs.length) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `${address}`);
      regs.set(values, address);
    },
  };
}

function adu(tid: number, unit: number, pdu: number[]): Buffer {
  const b = Buffer.alloc(7 + pdu.length);
  b.writeUInt16BE(tid, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt16BE(pdu.length + 1, 4);
  b[6] = unit;
  Buffer.from(pdu).copy(b, 7);
  return b;
}

/** Reads exactly `bytes` bytes from the socket (awaiting data events). */
async function receive(sock: Socket, bytes: number): Promise<Buffer> {
  let got = Buffer.alloc(0);
  while (got.length < bytes) {
    const [chunk] = (await once(sock, 'data')) as [Buffer];
    got = Buffer.concat([got, chunk]);
  }
  return got;
}

let server: ModbusTcpServer;
let bank: ReturnType<typeof arrayBank>;
let sock: Socket;

beforeEach(async () => {
  bank = arrayBank();
  server = await startModbusTcpServer({ host: '127.0.0.1', port: 0, units: new Map([[1, bank], [2, arrayBank()]]) });
  sock = connect({ host: '127.0.0.1', port: server.port });
  await once(sock, 'connect');
});

afterEach(async () => {
  sock.destroy();
  await server.close();
});

describe('Modbus TCP server (raw frames)', () => {
  it('binds port 0 and reports the port it got', () => {
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers FC3 and FC4 from the same bank', async () => {
    sock.write(adu(7, 1, [3, 0, 10, 0, 2]));
    expect([...(await receive(sock, 13))]).toEqual([0, 7, 0, 0, 0, 7, 1, 3, 4, 0, 10, 0, 11]);
    sock.write(adu(8, 1, [4, 0, 10, 0, 1]));
    expect([...(await receive(sock, 11))]).toEqual([0, 8, 0, 0, 0, 5, 1, 4, 2, 0, 10]);
  });

  it('reassembles a frame split across chunks and answers several frames from one chunk', async () => {
    const a = adu(1, 1, [3, 0, 1, 0, 1]);
    sock.write(a.subarray(0, 4));
    sock.write(Buffer.concat([a.subarray(4), adu(2, 2, [3, 0, 2, 0, 1]), adu(3, 1, [3, 0, 3, 0, 1]).subarray(0, 9)]));
    const two = await receive(sock, 22);
    expect(two.readUInt16BE(0)).toBe(1);
    expect(two.readUInt16BE(9)).toBe(1);
    expect(two.readUInt16BE(11)).toBe(2);
    expect(two.readUInt16BE(20)).toBe(2);
    sock.write(adu(3, 1, [3, 0, 3, 0, 1]).subarray(9));
    const third = await receive(sock, 11);
    expect(third.readUInt16BE(0)).toBe(3);
    expect(third.readUInt16BE(9)).toBe(3);
    expect(server.requestCount()).toBe(3);
  });

  it('writes with FC6 (echo) and FC16', async () => {
    sock.write(adu(1, 1, [6, 0, 5, 0x12, 0x34]));
    expect([...(await receive(sock, 12))]).toEqual([...adu(1, 1, [6, 0, 5, 0x12, 0x34])]);
    sock.write(adu(2, 1, [16, 0, 20, 0, 2, 4, 0, 1, 0, 2]));
    expect([...(await receive(sock, 12))]).toEqual([0, 2, 0, 0, 0, 6, 1, 16, 0, 20, 0, 2]);
    expect([bank.regs[5], bank.regs[20], bank.regs[21]]).toEqual([0x1234, 1, 2]);
  });

  it.each([
    ['illegal function', [43, 14, 1, 0], 0x01],
    ['illegal data address', [3, 0, 99, 0, 2], 0x02],
    ['illegal data value (quantity 0)', [3, 0, 0, 0, 0], 0x03],
    ['illegal data value (quantity 126)', [3, 0, 0, 0, 126], 0x03],
    ['illegal data value (byte count)', [16, 0, 0, 0, 2, 3, 0, 1, 0], 0x03],
  ])('answers %s with its exception code', async (_name, pdu, code) => {
    sock.write(adu(9, 1, pdu));
    expect([...(await receive(sock, 9))]).toEqual([0, 9, 0, 0, 0, 3, 1, ((pdu[0] ?? 0) | 0x80) & 0xff, code]);
  });

  it('answers 0B for a unit id it does not serve', async () => {
    sock.write(adu(4, 77, [3, 0, 0, 0, 1]));
    expect([...(await receive(sock, 9))]).toEqual([0, 4, 0, 0, 0, 3, 77, 0x83, 0x0b]);
  });

  it('close() destroys open connections', async () => {
    const closed = once(sock, 'close');
    await server.close();
    await closed;
    server = await startModbusTcpServer({ host: '127.0.0.1', port: 0, units: new Map() });
  });
});

describe('Modbus TCP server fault gate', () => {
  it('drops requests for a lost unit and delays a slow one, answering the others at once', async () => {
    const verdicts = new Map<number, 'answer' | 'drop' | number>([[1, 'drop'], [2, 80]]);
    const gated = await startModbusTcpServer({
      host: '127.0.0.1',
      port: 0,
      units: new Map([[1, arrayBank()], [2, arrayBank()], [3, arrayBank()]]),
      gate: (unit) => verdicts.get(unit) ?? 'answer',
    });
    const s = connect({ host: '127.0.0.1', port: gated.port });
    try {
      await once(s, 'connect');
      const t0 = performance.now();
      s.write(Buffer.concat([adu(1, 1, [3, 0, 4, 0, 1]), adu(2, 2, [3, 0, 5, 0, 1]), adu(3, 3, [3, 0, 6, 0, 1])]));
      const first = await receive(s, 11);
      expect(first.readUInt16BE(0)).toBe(3); // unit 3 answers at once
      const second = await receive(s, 11);
      expect(second.readUInt16BE(0)).toBe(2); // unit 2 after its delay
      expect(second.readUInt16BE(9)).toBe(5);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
      // Unit 1 never answered; once the fault clears it answers again.
      verdicts.delete(1);
      s.write(adu(4, 1, [3, 0, 4, 0, 1]));
      const back = await receive(s, 11);
      expect([back.readUInt16BE(0), back.readUInt16BE(9)]).toEqual([4, 4]);
      expect(gated.requestCount()).toBe(3);
    } finally {
      s.destroy();
      await gated.close();
    }
  });
});

describe('SunSpec bank writes', () => {
  let client: RegisterClient;
  const written: Array<[string, number]> = [];
  beforeEach(async () => {
    written.length = 0;
    const storage = {
      read: () => ({ WChaMax: 50_000, StorCtl_Mod: 0, ChaState: 40 }),
      write(point: string, value: number) {
        if (point === 'InOutWRte_RvrtTms' && value > 3600) throw new Error('revert timer above 1 h');
        written.push([point, value]);
      },
    };
    await server.close();
    server = await startModbusTcpServer({ host: '127.0.0.1', port: 0, units: new Map([[1, sunspecBank({ models: [{ id: 103, source: { read: () => ({ W: 1000 }) } }, { id: 124, source: storage }] })]]) });
    client = await openTcpClient({ host: '127.0.0.1', port: server.port, unit: 1, timeoutMs: 1000 });
  });
  afterEach(() => client.close());

  // Model 124 body starts at 40124 (40000 SunS, 40002 model 1 [2+66], 40070 model 103 [2+50], 40122 header).
  const body124 = 40124;

  async function codeOf(p: Promise<unknown>): Promise<number | null> {
    try {
      await p;
      return null;
    } catch (e) {
      return exceptionCodeOf(e);
    }
  }

  it('passes writable points to the source in engineering units', async () => {
    await client.writeRegisters(body124 + 10, [250, 0, 0, 30]); // OutWRte 25.0 %, InWRte 0, WinTms 0, RvrtTms 30 s
    expect(written).toEqual([['OutWRte', 25], ['InWRte', 0], ['InOutWRte_WinTms', 0], ['InOutWRte_RvrtTms', 30]]);
  });

  it('refuses read-only registers (02) and values the source refuses (03)', async () => {
    expect(await codeOf(client.writeRegisters(body124 + 6, [500]))).toBe(0x02); // ChaState
    expect(await codeOf(client.writeRegisters(40070 + 2 + 12, [1]))).toBe(0x02); // model 103 W
    expect(await codeOf(client.writeRegisters(40000, [0]))).toBe(0x02); // the 'SunS' marker
    expect(await codeOf(client.writeRegisters(body124 + 13, [7200]))).toBe(0x03);
    expect(written).toEqual([]);
  });

  it('reads back scale factors it chose and values of the source', async () => {
    const regs = await client.readHolding(body124, 24);
    expect(regs[0]).toBe(5000); // WChaMax 50 kW at WChaMax_SF 1
    expect(regs[16]).toBe(1); // WChaMax_SF
    expect(regs[6]).toBe(400); // ChaState 40 % at SF -1
    expect(regs[5]).toBe(0xffff); // MinRsvPct not implemented
  });
});
