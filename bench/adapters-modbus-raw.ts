/**
 * The raw side of the Modbus adapter benchmark (adapters-modbus.ts): modbus-serial alone,
 * reading the ranges a battery poll reads, one request outstanding.
 */
import ModbusSerial from 'modbus-serial';
import { discoverSunSpec, planReads } from '../adapters/modbus/index.js';
import { MODEL_HEADER_REGISTERS } from '../src/domain/sunspec/index.js';
import { HOST, measureWindow, type Window } from './adapters-common.js';

const ModbusRTU = ModbusSerial.default;

type Rtu = InstanceType<typeof ModbusRTU>;

/** The reads one poll makes: models 103 and 124 with their headers, planned as the adapter plans them. */
async function pollRanges(client: Rtu): Promise<Array<{ address: number; count: number }>> {
  const read = async (a: number, n: number): Promise<Uint16Array> => Uint16Array.from((await client.readHoldingRegisters(a, n)).data);
  const map = await discoverSunSpec(read, 'bench raw client');
  const ranges = [103, 124].map((id) => {
    const loc = map.models.find((m) => m.id === id);
    if (loc === undefined) throw new Error(`bench: the simulated battery has no model ${id}`);
    return { address: loc.address, count: MODEL_HEADER_REGISTERS + loc.length };
  });
  return planReads(ranges);
}

async function rawClient(port: number): Promise<{ client: Rtu; plan: Array<{ address: number; count: number }> }> {
  const client = new ModbusRTU();
  client.on('error', () => undefined);
  await client.connectTCP(HOST, { port });
  client.setTimeout(1000);
  client.setID(1);
  try {
    return { client, plan: await pollRanges(client) };
  } catch (e) {
    client.close(() => undefined);
    throw e;
  }
}

async function readOnce(client: Rtu, plan: ReadonlyArray<{ address: number; count: number }>): Promise<void> {
  for (const r of plan) {
    const got = await client.readHoldingRegisters(r.address, r.count);
    if (got.data.length !== r.count) throw new Error(`bench: expected ${r.count} registers, got ${got.data.length}`);
  }
}

/** Raw modbus-serial, one request outstanding, cycling `units`: a window of device reads. */
export async function rawReads(port: number, units: number): Promise<Window> {
  const { client, plan } = await rawClient(port);
  try {
    let reads = 0;
    let stop = false;
    const loop = (async () => {
      for (let u = 0; !stop; u = (u + 1) % units) {
        client.setID(u + 1);
        await readOnce(client, plan);
        reads++;
      }
    })();
    const w = await measureWindow(() => reads);
    stop = true;
    await loop;
    return w;
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}
