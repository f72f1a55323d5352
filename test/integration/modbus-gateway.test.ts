import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { createAdapter, sharedModbusConnections } from '../../adapters/index.js';
import type { AdapterTarget, DeviceAdapter } from '../../src/domain/device-adapter.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { startModbusTcpServer, sunspecBank, type ModbusTcpServer } from '../../simulators/servers/index.js';

/**
 * A TCP proxy in front of our Modbus server, so the test counts connections where a gateway
 * would see them, and can cut the line (and restore it on the same port).
 */
interface Gateway {
  readonly port: number;
  connections: number;
  open: Set<Socket>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function gateway(upstreamPort: number): Promise<Gateway> {
  let server: Server;
  const g: Gateway = {
    port: 0,
    connections: 0,
    open: new Set(),
    async stop() {
      for (const s of g.open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async start() {
      server = createServer((down) => {
        g.connections++;
        g.open.add(down);
        const up = connect(upstreamPort, '127.0.0.1');
        down.pipe(up).pipe(down);
        const end = (): void => {
          g.open.delete(down);
          down.destroy();
          up.destroy();
        };
        down.on('close', end).on('error', end);
        up.on('close', end).on('error', end);
      });
      server.listen(g.port, '127.0.0.1');
      await once(server, 'listening');
      const a = server.address();
      if (typeof a === 'object' && a !== null) (g as { port: number }).port = a.port;
    },
  };
  await g.start();
  return g;
}

let server: ModbusTcpServer;
let gw: Gateway;
const requests = new Map<number, number>();
let inFlight = 0;
let maxInFlight = 0;
let dropUnit: number | null = null;
const adapters: DeviceAdapter[] = [];

const DELAY_MS = 5;

beforeEach(async () => {
  requests.clear();
  inFlight = 0;
  maxInFlight = 0;
  dropUnit = null;
  const units = new Map([
    [1, sunspecBank({ models: [{ id: 203, source: { read: () => ({ W: 1000, TotWhImp: 2000, TotWhExp: 3000, VAR: 0 }) } }] })],
    [2, sunspecBank({ models: [{ id: 103, source: { read: () => ({ W: 4000, WH: 5000 }) } }] })],
    [3, sunspecBank({ models: [{ id: 203, source: { read: () => ({ W: -500, TotWhImp: 10, TotWhExp: 20, VAR: 100 }) } }] })],
  ]);
  server = await startModbusTcpServer({
    host: '127.0.0.1',
    port: 0,
    units,
    // Every request is answered a little later; counting what is outstanding shows whether
    // the client ever sends a second request before the first is answered.
    gate: (unit) => {
      requests.set(unit, (requests.get(unit) ?? 0) + 1);
      if (unit === dropUnit) return 'drop';
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => inFlight--, DELAY_MS);
      return DELAY_MS;
    },
  });
  gw = await gateway(server.port);
});

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await gw.stop();
  await server.close();
});

function adapter(kind: AdapterTarget['kind'], unit: number, pollIntervalS: number): DeviceAdapter {
  const a = createAdapter({ siteId: 's', assetId: `u${unit}`, kind, binding: `modbus://127.0.0.1:${gw.port}/${unit}`, pollIntervalS, revertS: 30 });
  adapters.push(a);
  return a;
}

function next(a: DeviceAdapter, metric: Metric, pred: (t: Telemetry) => boolean, ms = 3000): Promise<Telemetry> {
  return firstValueFrom(a.telemetry$.pipe(filter((t) => t.metric === metric && pred(t)), timeout(ms)));
}
const good = (t: Telemetry): boolean => t.quality === 'good';
const bad = (t: Telemetry): boolean => t.quality === 'bad';

describe('several units behind one Modbus TCP gateway', () => {
  it('share one connection, requests serialised, each unit at its own poll interval', async () => {
    const m = adapter('meter', 1, 0.05);
    const p = adapter('pv', 2, 1);
    const m3 = adapter('meter', 3, 5);
    const firsts = Promise.all([next(m, 'powerKw', good), next(p, 'powerKw', good), next(m3, 'powerKw', good)]);
    await Promise.all([m.connect(), p.connect(), m3.connect()]);
    expect((await firsts).map((t) => t.value)).toEqual([1, -4, -0.5]);
    expect(gw.connections).toBe(1);
    expect(sharedModbusConnections.userCount({ transport: 'tcp', host: '127.0.0.1', port: gw.port })).toBe(3);

    // Ten polls of the fast unit; the 1 s and 5 s units must not have kept up with it.
    const before = new Map(requests);
    await firstValueFrom(m.telemetry$.pipe(filter((t) => t.metric === 'powerKw' && good(t)), take(10), toArray(), timeout(5000)));
    const delta = (u: number): number => (requests.get(u) ?? 0) - (before.get(u) ?? 0);
    expect(delta(1)).toBeGreaterThanOrEqual(10);
    expect(delta(2)).toBeLessThanOrEqual(2);
    expect(delta(3)).toBeLessThanOrEqual(1);
    expect(maxInFlight).toBe(1);
    expect(gw.connections).toBe(1);
  });

  it('every unit goes bad at once when the gateway drops, and all return on one new connection', async () => {
    const units = [adapter('meter', 1, 5), adapter('pv', 2, 5), adapter('meter', 3, 5)];
    const firsts = Promise.all(units.map((a) => next(a, 'powerKw', good)));
    await Promise.all(units.map((a) => a.connect()));
    await firsts;

    // Slow polling (5 s): the bad readings must come from the dropped link, not a poll.
    const bads = Promise.all(units.map((a) => next(a, 'powerKw', bad, 1000)));
    await gw.stop();
    expect((await bads).map((t) => t.value)).toEqual([null, null, null]);
    expect(units.map((a) => a.health().connected)).toEqual([false, false, false]);

    const goods = Promise.all(units.map((a) => next(a, 'powerKw', good, 5000)));
    await gw.start();
    expect((await goods).map((t) => t.value)).toEqual([1, -4, -0.5]);
    expect(gw.connections).toBe(2); // the first one and exactly one after the restart
  });

  it('a unit that stops answering turns bad within its timeout while the others stay good on the same link', async () => {
    const m = adapter('meter', 1, 0.1);
    const p = adapter('pv', 2, 0.1);
    await Promise.all([m.connect(), p.connect()]);
    dropUnit = 2;
    const t0 = Date.now();
    const pvBad = await next(p, 'powerKw', bad, 3000);
    // One poll interval plus the 1000 ms request timeout, with slack for a loaded machine.
    expect(pvBad.atMs - t0).toBeLessThan(1600);
    expect((await next(m, 'powerKw', () => true)).quality).toBe('good');
    expect(gw.connections).toBe(1);

    dropUnit = null;
    expect((await next(p, 'powerKw', good, 5000)).value).toBe(-4);
    expect(gw.connections).toBe(1);
  });

  it('the last close() closes the shared connection', async () => {
    const a = adapter('meter', 1, 1);
    const b = adapter('meter', 3, 1);
    await Promise.all([a.connect(), b.connect()]);
    expect(gw.open.size).toBe(1);
    const [socket] = [...gw.open];
    await a.close();
    expect(gw.open.size).toBe(1);
    const closed = once(socket as Socket, 'close');
    await b.close();
    await closed;
    expect(gw.open.size).toBe(0);
    expect(sharedModbusConnections.userCount({ transport: 'tcp', host: '127.0.0.1', port: gw.port })).toBe(0);
  });
});
