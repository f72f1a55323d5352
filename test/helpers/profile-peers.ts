import { filter, firstValueFrom, timeout } from 'rxjs';
import type { AdapterTarget, DeviceAdapter, Telemetry } from '../../src/domain/index.js';
import { startModbusTcpServer, type ModbusTcpServer, type RegisterBank } from '../../simulators/servers/index.js';

/** Servers and adapters the register-map tests opened; closeProfileTestPeers() in afterEach. */
const servers: ModbusTcpServer[] = [];
const adapters: DeviceAdapter[] = [];

export async function closeProfileTestPeers(): Promise<void> {
  for (const a of adapters.splice(0)) await a.close();
  for (const s of servers.splice(0)) await s.close();
}

/** Our Modbus TCP server on 127.0.0.1, a free port. */
export async function serve(units: ReadonlyMap<number, RegisterBank>, gate?: (unit: number) => 'answer' | 'drop'): Promise<ModbusTcpServer> {
  const s = await startModbusTcpServer({ host: '127.0.0.1', port: 0, units, ...(gate !== undefined ? { gate } : {}) });
  servers.push(s);
  return s;
}

export function target(binding: string, kind: AdapterTarget['kind'], pollIntervalS = 60): AdapterTarget {
  return { siteId: 's1', assetId: 'a1', kind, binding, pollIntervalS, revertS: 60 };
}

/** Registers the adapter for closing. */
export function track(adapter: DeviceAdapter): DeviceAdapter {
  adapters.push(adapter);
  return adapter;
}

/** Connects and returns the first batch: connect() resolves after the first poll has emitted. */
export async function firstBatch(adapter: DeviceAdapter): Promise<Map<string, Telemetry>> {
  track(adapter);
  const seen = new Map<string, Telemetry>();
  const sub = adapter.telemetry$.subscribe((t) => seen.set(t.metric, t));
  await adapter.connect();
  sub.unsubscribe();
  return seen;
}

/** The next reading of `metric` that passes `ok`, within `ms`. */
export function next(adapter: DeviceAdapter, metric: string, ok: (t: Telemetry) => boolean, ms = 5000): Promise<Telemetry> {
  return firstValueFrom(adapter.telemetry$.pipe(filter((t) => t.metric === metric && ok(t)), timeout(ms)));
}
