import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { createAdapter } from '../../adapters/index.js';
import { discoverSunSpec, openTcpClient } from '../../adapters/modbus/index.js';
import type { DeviceAdapter, AdapterTarget } from '../../src/domain/device-adapter.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { VppError } from '../../src/domain/errors.js';
import { startModbusTcpServer, sunspecBank, type ModbusTcpServer, type SunSpecPointSource } from '../../simulators/servers/index.js';

type Values = Record<string, number | string | null>;

/** A point source over a plain object that records what clients wrote. */
function source(values: Values): SunSpecPointSource & { values: Values; writes: Array<[string, number]> } {
  const writes: Array<[string, number]> = [];
  return {
    values,
    writes,
    read: () => values,
    write(point, value) {
      if (point === 'WChaMax') throw new Error('WChaMax is fixed');
      writes.push([point, value]);
      values[point] = value;
    },
  };
}

let meter = source({});
let pv = source({});
let inverter = source({});
let storage = source({});

function units(): Map<number, ReturnType<typeof sunspecBank>> {
  return new Map([
    [1, sunspecBank({ models: [{ id: 203, source: meter }], common: { manufacturer: 'Test', model: 'Meter', serialNumber: 'M1' } })],
    [2, sunspecBank({ models: [{ id: 103, source: pv }] })],
    [3, sunspecBank({ models: [{ id: 103, source: inverter }, { id: 124, source: storage }] })],
  ]);
}

function target(kind: AdapterTarget['kind'], unit: number, port: number, pollIntervalS = 0.1): AdapterTarget {
  return { siteId: 's1', assetId: `${kind}-${unit}`, kind, binding: `modbus://127.0.0.1:${port}/${unit}`, pollIntervalS, revertS: 60 };
}

/** The next reading of `metric` that passes `pred`; fails after `ms` (a deadline, not a sleep). */
function next(a: DeviceAdapter, metric: Metric, pred: (t: Telemetry) => boolean = () => true, ms = 3000): Promise<Telemetry> {
  return firstValueFrom(a.telemetry$.pipe(filter((t) => t.metric === metric && pred(t)), timeout(ms)));
}

let server: ModbusTcpServer;
const adapters: DeviceAdapter[] = [];

function adapter(t: AdapterTarget): DeviceAdapter {
  const a = createAdapter(t);
  adapters.push(a);
  return a;
}

beforeEach(async () => {
  meter = source({ W: 12340, TotWhImp: 5_400_000, TotWhExp: 1000, VAR: -2000 });
  pv = source({ W: 8500, WH: 123_456 });
  inverter = source({ W: -20000 });
  storage = source({ WChaMax: 100_000, StorCtl_Mod: 0, InWRte: 0, OutWRte: 0, ChaState: 55.5, InOutWRte_RvrtTms: 0 });
  server = await startModbusTcpServer({ host: '127.0.0.1', port: 0, units: units() });
});

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await server.close();
});

describe('SunSpec over Modbus TCP: our server and the adapter', () => {
  it('discovers the model chain at 40000', async () => {
    const client = await openTcpClient({ host: '127.0.0.1', port: server.port, unit: 3, timeoutMs: 1000 });
    try {
      const map = await discoverSunSpec(client.readHolding, 'test');
      expect(map).toEqual({
        baseAddress: 40000,
        models: [
          { id: 1, address: 40002, length: 66 },
          { id: 103, address: 40070, length: 50 },
          { id: 124, address: 40122, length: 24 },
        ],
      });
    } finally {
      await client.close();
    }
  });

  it('emits good meter, PV and battery telemetry with load-convention signs and scale factors applied', async () => {
    const m = adapter(target('meter', 1, server.port));
    const p = adapter(target('pv', 2, server.port));
    const b = adapter(target('battery', 3, server.port));
    const got = Promise.all([
      next(m, 'powerKw'), next(m, 'energyImportKwh'), next(m, 'energyExportKwh'), next(m, 'reactiveKvar'),
      next(p, 'powerKw'), next(p, 'energyExportKwh'),
      next(b, 'powerKw'), next(b, 'socPct'), next(b, 'setpointKw'),
    ]);
    await Promise.all([m.connect(), p.connect(), b.connect()]);
    const values = (await got).map((t) => [t.metric, t.value, t.quality]);
    expect(values).toEqual([
      ['powerKw', 12.34, 'good'], // meter import is positive
      ['energyImportKwh', 5400, 'good'],
      ['energyExportKwh', 1, 'good'],
      ['reactiveKvar', -2, 'good'],
      ['powerKw', -8.5, 'good'], // PV generation is negative
      ['energyExportKwh', 123.456, 'good'],
      ['powerKw', 20, 'good'], // inverter W = -20 kW: the battery charges, draws +20 kW
      ['socPct', 55.5, 'good'],
      ['setpointKw', 0, 'good'],
    ]);
    expect(m.health()).toMatchObject({ connected: true, consecutiveErrors: 0, lastError: null });
  });

  it("reports a 'not implemented' point as bad with value null, never 0", async () => {
    const p = adapter(target('pv', 2, server.port));
    await p.connect();
    pv.values.W = null;
    const t = await next(p, 'powerKw', (x) => x.quality === 'bad');
    expect(t.value).toBeNull();
    expect((await next(p, 'energyExportKwh')).quality).toBe('good');
  });

  it('writes a battery setpoint through model 124 and reads it back', async () => {
    const b = adapter(target('battery', 3, server.port));
    await b.connect();
    storage.writes.length = 0;
    const r = await b.write({ siteId: 's1', assetId: 'battery-3', powerKw: -30, reason: 'test', atMs: 0 });
    expect(r).toEqual({ ok: true, readBackKw: -30, detail: null });
    expect(Object.fromEntries(storage.writes)).toEqual({ OutWRte: 30, InWRte: 0, InOutWRte_RvrtTms: 60, StorCtl_Mod: 2 });
    expect(storage.writes.at(-1)?.[0]).toBe('StorCtl_Mod'); // the mode goes last
    expect((await next(b, 'setpointKw', (t) => t.value === -30)).quality).toBe('good');

    const charge = await b.write({ siteId: 's1', assetId: 'battery-3', powerKw: 12.5, reason: 'test', atMs: 0 });
    expect(charge).toEqual({ ok: true, readBackKw: 12.5, detail: null });
    expect(storage.values).toMatchObject({ StorCtl_Mod: 1, InWRte: 12.5, OutWRte: 0 });

    storage.writes.length = 0;
    const tooBig = await b.write({ siteId: 's1', assetId: 'battery-3', powerKw: 150, reason: 'test', atMs: 0 });
    expect(tooBig.ok).toBe(false);
    expect(tooBig.detail).toMatch(/150 kW is beyond WChaMax 100 kW/);
    expect(storage.writes).toEqual([]);
  });

  it('goes bad at once when the server dies, and good again after it returns', async () => {
    const port = server.port;
    const m = adapter(target('meter', 1, port, 5)); // slow polling: the bad reading must not wait for it
    const first = next(m, 'powerKw');
    await m.connect();
    expect((await first).quality).toBe('good');

    const bad = next(m, 'powerKw', (t) => t.quality === 'bad', 1000);
    await server.close();
    expect((await bad).value).toBeNull();
    expect(m.health()).toMatchObject({ connected: false, consecutiveErrors: 1 });
    expect(m.health().lastError).toMatch(/closed/);

    const good = next(m, 'powerKw', (t) => t.quality === 'good', 5000);
    server = await startModbusTcpServer({ host: '127.0.0.1', port, units: units() });
    expect((await good).value).toBe(12.34);
    expect(m.health()).toMatchObject({ connected: true, consecutiveErrors: 0, lastError: null });
  });

  it('rejects connect() to a unit that is not there, and keeps retrying', async () => {
    const a = adapter(target('meter', 9, server.port));
    const bad = next(a, 'powerKw', (t) => t.quality === 'bad');
    await expect(a.connect()).rejects.toBeInstanceOf(VppError);
    expect((await bad).value).toBeNull();
    expect(a.health().connected).toBe(false);
  });

  it('refuses a malformed binding naming the URL and the reason', () => {
    for (const binding of ['modbus://127.0.0.1:1502/0', 'modbus://127.0.0.1:1502/248', 'modbus://127.0.0.1:1502/x', 'modbus://:1502/1', 'modbus:/1']) {
      expect(() => createAdapter({ ...target('meter', 1, 1), binding }), binding).toThrow(
        expect.objectContaining({ code: 'BINDING_INVALID', message: expect.stringContaining(binding) }),
      );
    }
    expect(() => createAdapter({ ...target('meter', 1, 1), binding: 'bacnet://h:47808/x' })).toThrow(expect.objectContaining({ code: 'BINDING_UNSUPPORTED' }));
    expect(() => createAdapter({ ...target('meter', 1, 1), binding: 'opc.tcp://h:4840/x' })).toThrow(expect.objectContaining({ code: 'BINDING_INVALID' }));
  });
});
