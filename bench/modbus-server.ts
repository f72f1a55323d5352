import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import ModbusSerial from 'modbus-serial';
import { startModbusTcpServer, sunspecBank, type RegisterBank } from '../simulators/servers/index.js';

export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: string;
}

const ModbusRTU = ModbusSerial.default;
const HOST = '127.0.0.1';
const REGISTERS = 10;
const WARMUP_MS = 500;
const MEASURE_MS = 3000;

/** A port that was free a moment ago: modbus-serial's ServerTCP treats port 0 as "use 502". */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Requests/s of one modbus-serial client with one request outstanding at a time. */
async function clientRate(port: number, address = 0, count = REGISTERS): Promise<number> {
  const client = new ModbusRTU();
  client.on('error', () => undefined);
  await client.connectTCP(HOST, { port });
  client.setID(1);
  client.setTimeout(1000);
  try {
    const loop = async (ms: number): Promise<number> => {
      const end = performance.now() + ms;
      let n = 0;
      while (performance.now() < end) {
        const r = await client.readHoldingRegisters(address, count);
        if (r.data.length !== count) throw new Error(`bench: expected ${count} registers, got ${r.data.length}`);
        n++;
      }
      return n;
    };
    await loop(WARMUP_MS);
    const started = performance.now();
    const n = await loop(MEASURE_MS);
    return n / ((performance.now() - started) / 1000);
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}

export async function benchModbusServer(): Promise<BenchResult[]> {
  const regs = Uint16Array.from({ length: 100 }, (_, i) => i);

  const bank: RegisterBank = {
    read: (address, count) => regs.slice(address, address + count),
    write: (address, values) => regs.set(values, address),
  };
  const ours = await startModbusTcpServer({ host: HOST, port: 0, units: new Map([[1, bank]]) });
  let oursRate: number;
  try {
    oursRate = await clientRate(ours.port);
  } finally {
    await ours.close();
  }

  // The SunSpec bank re-encodes models 103 + 124 from their sources on every read.
  const device = sunspecBank({
    models: [
      { id: 103, source: { read: () => ({ W: 12_300, WH: 5.4e6, Hz: 50, A: 17.8, St: 4 }) } },
      { id: 124, source: { read: () => ({ WChaMax: 100_000, StorCtl_Mod: 1, InWRte: 40, OutWRte: 0, ChaState: 61.5 }) } },
    ],
  });
  const sunspec = await startModbusTcpServer({ host: HOST, port: 0, units: new Map([[1, device]]) });
  let sunspecRate: number;
  try {
    sunspecRate = await clientRate(sunspec.port, 40070, 78);
  } finally {
    await sunspec.close();
  }

  const port = await freePort();
  const stock = new ModbusSerial.ServerTCP(
    {
      getHoldingRegister: (addr: number) => regs[addr] ?? 0,
      getMultipleHoldingRegisters: (addr: number, length: number) => Array.from(regs.subarray(addr, addr + length)),
    },
    { host: HOST, port, unitID: 1 },
  );
  await new Promise<void>((resolve, reject) => {
    stock.on('initialized', () => resolve());
    stock.on('serverError', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
  });
  let stockRate: number;
  try {
    stockRate = await clientRate(port);
  } finally {
    await new Promise<void>((resolve) => stock.close(() => resolve()));
  }

  const what = `FC3 ${REGISTERS} registers, modbus-serial client, 1 outstanding request, ${HOST}`;
  return [
    { name: `modbus tcp server (ours): ${what}`, value: Math.round(oursRate), unit: 'req/s', baseline: 'modbus-serial ServerTCP' },
    { name: `modbus-serial ServerTCP: ${what}`, value: Math.round(stockRate), unit: 'req/s' },
    { name: `modbus tcp server (ours) + SunSpec bank: FC3 78 registers (models 103 + 124 re-encoded per read), 1 outstanding request`, value: Math.round(sunspecRate), unit: 'req/s' },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchModbusServer()) console.log(`${r.name}: ${r.value} ${r.unit}${r.baseline !== undefined ? ` (baseline: ${r.baseline})` : ''}`);
}
