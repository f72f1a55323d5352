import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import ModbusSerial from 'modbus-serial';
import type { BenchFigure } from './figure.js';
import { startModbusTcpServer, sunspecBank, type RegisterBank } from '../simulators/servers/index.js';


const ModbusRTU = ModbusSerial.default;
const HOST = '127.0.0.1';
const REGISTERS = 10;
const WARMUP_MS = 500;
const MEASURE_MS = 3000;
const CONCURRENT = 50;

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

export async function benchModbusServer(): Promise<BenchFigure[]> {
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

  // 50 connections at once, each with one request outstanding (a gateway-heavy site).
  const many = await startModbusTcpServer({ host: HOST, port: 0, units: new Map([[1, bank]]) });
  let manyRate: number;
  try {
    const rates = await Promise.all(Array.from({ length: CONCURRENT }, () => clientRate(many.port)));
    manyRate = rates.reduce((a, b) => a + b, 0);
  } finally {
    await many.close();
  }

  const stockFigure = `modbus-serial ServerTCP, same run: ${Math.round(stockRate)} req/s`;
  return [
    { name: `ours, FC3 × ${REGISTERS} regs, 1 connection`, value: Math.round(oursRate), unit: 'req/s', baseline: stockFigure },
    { name: `modbus-serial ServerTCP, FC3 × ${REGISTERS} regs, 1 connection`, value: Math.round(stockRate), unit: 'req/s' },
    { name: 'ours + SunSpec bank (103+124 re-encoded), FC3 × 78', value: Math.round(sunspecRate), unit: 'req/s', baseline: `plain bank: ${Math.round(oursRate)} req/s` },
    { name: `ours, ${CONCURRENT} connections (total)`, value: Math.round(manyRate), unit: 'req/s', baseline: `1 connection: ${Math.round(oursRate)} req/s` },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchModbusServer()) console.log(`${r.name}: ${r.value} ${r.unit}${r.baseline !== undefined ? ` (baseline: ${r.baseline})` : ''}`);
}
