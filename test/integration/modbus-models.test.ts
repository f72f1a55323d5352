import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { createAdapter } from '../../adapters/index.js';
import type { AdapterTarget, DeviceAdapter } from '../../src/domain/device-adapter.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { startModbusTcpServer, sunspecBank, type ModbusTcpServer } from '../../simulators/servers/index.js';

let server: ModbusTcpServer;
const adapters: DeviceAdapter[] = [];
let pvW: number | null = 4500;

beforeEach(async () => {
  pvW = 4500;
  server = await startModbusTcpServer({
    host: '127.0.0.1',
    port: 0,
    units: new Map([
      // A float meter (213) exporting 2.5 kW, and a float inverter (113).
      [1, sunspecBank({ models: [{ id: 213, source: { read: () => ({ W: -2500, TotWhImp: 100_000, TotWhExp: 5_000, VAR: 300 }) } }] })],
      [2, sunspecBank({ models: [{ id: 113, source: { read: () => ({ W: pvW, WH: 1_000 }) } }] })],
    ]),
  });
});

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await server.close();
});

function adapter(t: Partial<AdapterTarget> & Pick<AdapterTarget, 'kind' | 'binding'>): DeviceAdapter {
  const a = createAdapter({ siteId: 's', assetId: `${t.kind}-${adapters.length}`, pollIntervalS: 0.1, revertS: 30, ...t });
  adapters.push(a);
  return a;
}

async function readings(a: DeviceAdapter, metrics: readonly Metric[], pred: (t: Telemetry) => boolean = () => true): Promise<Array<[Metric, number | null, string]>> {
  const got = Promise.all(metrics.map((m) => firstValueFrom(a.telemetry$.pipe(filter((t) => t.metric === m && pred(t)), timeout(3000)))));
  return (await got).map((t) => [t.metric, t.value, t.quality]);
}

describe('float models and meter orientation through the adapter', () => {
  const meterMetrics: Metric[] = ['powerKw', 'energyImportKwh', 'energyExportKwh', 'reactiveKvar'];

  it('reads a float meter (213) as mounted, and inverted when the site says the CT is the other way round', async () => {
    const straight = adapter({ kind: 'meter', binding: `modbus://127.0.0.1:${server.port}/1` });
    const inverted = adapter({ kind: 'meter', binding: `modbus://127.0.0.1:${server.port}/1`, invert: true });
    const got = Promise.all([readings(straight, meterMetrics), readings(inverted, meterMetrics)]);
    await Promise.all([straight.connect(), inverted.connect()]);
    const [s, i] = await got;
    expect(s).toEqual([['powerKw', -2.5, 'good'], ['energyImportKwh', 100, 'good'], ['energyExportKwh', 5, 'good'], ['reactiveKvar', 0.3, 'good']]);
    expect(i).toEqual([['powerKw', 2.5, 'good'], ['energyImportKwh', 5, 'good'], ['energyExportKwh', 100, 'good'], ['reactiveKvar', -0.3, 'good']]);
  });

  it('reads a float inverter (113) in the load convention, and its NaN as bad', async () => {
    const pv = adapter({ kind: 'pv', binding: `modbus://127.0.0.1:${server.port}/2` });
    const first = readings(pv, ['powerKw', 'energyExportKwh']);
    await pv.connect();
    expect(await first).toEqual([['powerKw', -4.5, 'good'], ['energyExportKwh', 1, 'good']]);
    pvW = null; // served as the float32 quiet NaN
    expect(await readings(pv, ['powerKw'], (t) => t.quality === 'bad')).toEqual([['powerKw', null, 'bad']]);
  });
});
