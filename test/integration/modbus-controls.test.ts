import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { createModbusAdapter, type ModbusAdapterOptions } from '../../adapters/modbus/index.js';
import type { AdapterTarget, DeviceAdapter } from '../../src/domain/device-adapter.js';
import type { Setpoint } from '../../src/domain/setpoint.js';
import { BatteryModel, PvModel, type Tmy3Weather } from '../../simulators/models/index.js';
import { startModbusTcpServer, sunspecBank, type ModbusTcpServer, type SunSpecModelSpec } from '../../simulators/servers/index.js';
import { DerControl, PvLimitControl, StorageControl, batteryModels, pvModels } from '../../simulators/servers/site/index.js';

// Clear sky all year: the PV can always make its AC rating, so any cap shows in its output.
const SUNNY: Tmy3Weather = { name: 'sunny', at: () => ({ ghiWm2: 1000, tempC: 25 }) };
const START_MS = Date.parse('2025-07-15T12:00:00+08:00');

function pvModel(): PvModel {
  return new PvModel({ id: 'roof', timezone: 'Asia/Shanghai', startMs: START_MS, kwp: 120, acKw: 100, weather: SUNNY, derate: 1, tempCoeffPerC: 0 });
}

/** Wraps a model's point source so the test sees every point written, in order. */
function recorded(specs: SunSpecModelSpec[], log: string[]): SunSpecModelSpec[] {
  return specs.map((m) => ({
    ...m,
    source: {
      read: () => m.source.read(),
      write: (point: string, value: number) => {
        log.push(`${m.id}.${point}=${value}`);
        if (m.source.write === undefined) throw new RangeError(`model ${m.id} takes no writes`);
        m.source.write(point, value);
      },
    },
  }));
}

let server: ModbusTcpServer;
let pv: PvModel;
let pvLimit: PvLimitControl;
let pv704: PvModel;
let pv704Der: DerControl;
let pv704Limit: PvLimitControl;
let bess: BatteryModel;
let bessStorage: StorageControl;
let bessDer: DerControl;
let writes: string[];
let pvSurplusKw = 0;
const adapters: DeviceAdapter[] = [];

beforeEach(async () => {
  writes = [];
  pv = pvModel();
  pvLimit = new PvLimitControl(pv);
  pv704 = pvModel();
  pv704Limit = new PvLimitControl(pv704);
  pv704Der = new DerControl(pv704);
  bess = new BatteryModel({
    id: 'bess', startMs: START_MS, capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250, socPct: 60,
    minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.95,
  });
  pvSurplusKw = 0;
  bessStorage = new StorageControl(bess, () => pvSurplusKw);
  bessDer = new DerControl(bess);
  const common = { manufacturer: 'vpp-sim', model: 'controls', serialNumber: 'C1' };
  const noWmaxPv = pvModel();
  server = await startModbusTcpServer({
    host: '127.0.0.1',
    port: 0,
    units: new Map([
      [1, sunspecBank({ common, models: recorded(pvModels(pv, pvLimit, { settings: true }), writes) })],
      [2, sunspecBank({ common, models: recorded(pvModels(pv704, pv704Limit, { settings: true, der: pv704Der }), writes) })],
      [3, sunspecBank({ common, models: recorded(batteryModels(bess, bessStorage, { der: bessDer }), writes) })],
      // A PV inverter that states no rating: 123 without 121 or 120.
      [4, sunspecBank({ common, models: pvModels(noWmaxPv) })],
      // One that serves 121 with WMax 'not implemented'.
      [5, sunspecBank({ common, models: [...pvModels(noWmaxPv), { id: 121, source: { read: () => ({ WMax: null }) }, scaleFactors: { WMax_SF: 1 } }] })],
    ]),
  });
});

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await server.close();
});

async function connected(kind: AdapterTarget['kind'], unit: number, extra: Partial<AdapterTarget> = {}, options: ModbusAdapterOptions = {}): Promise<DeviceAdapter> {
  const target: AdapterTarget = { siteId: 's1', assetId: `${kind}-${unit}`, kind, binding: `modbus://127.0.0.1:${server.port}/${unit}`, pollIntervalS: 0.1, revertS: 30, ...extra };
  const a = createModbusAdapter(target, options);
  adapters.push(a);
  await a.connect();
  return a;
}

const sp = (powerKw: number): Setpoint => ({ siteId: 's1', assetId: 'x', powerKw, reason: 'test', atMs: 0 });

describe('PV active power limit through model 123', () => {
  it('writes WMaxLimPct of WMax, enables it last, caps the output and reverts after revertS', async () => {
    const a = await connected('pv', 1);
    expect(pv.powerKw()).toBe(-100);
    expect(await a.write(sp(-40))).toEqual({ ok: true, readBackKw: -40, detail: null });
    expect(writes).toEqual(['123.WMaxLimPct=40', '123.WMaxLimPct_RvrtTms=30', '123.WMaxLim_Ena=1']);
    expect(pv.powerKw()).toBe(-40);
    const capped = await firstValueFrom(a.telemetry$.pipe(filter((t) => t.metric === 'powerKw' && t.value === -40), timeout(3000)));
    expect(capped.quality).toBe('good');

    pv.step(29);
    expect(pv.powerKw()).toBe(-40);
    pv.step(1); // 30 s on the simulated clock without a fresh write
    expect(pv.powerKw()).toBe(-100);
    expect(pvLimit.values().WMaxLim_Ena).toBe(0);
  });

  it('release() hands the inverter back: WMaxLim_Ena = 0, output uncapped', async () => {
    const a = await connected('pv', 1);
    expect((await a.write(sp(-25))).ok).toBe(true);
    writes.length = 0;
    expect(await a.release?.()).toEqual({ ok: true, readBackKw: null, detail: null });
    expect(writes).toEqual(['123.WMaxLim_Ena=0']);
    expect(pv.powerKw()).toBe(-100);
  });

  it('refuses a positive setpoint, NaN and a cap beyond WMax without writing anything', async () => {
    const a = await connected('pv', 1);
    const positive = await a.write(sp(5));
    expect(positive).toMatchObject({ ok: false, readBackKw: null, detail: expect.stringMatching(/must be a number <= 0 kW .* got 5/) });
    expect((await a.write(sp(Number.NaN))).detail).toMatch(/got NaN/);
    expect((await a.write(sp(-150))).detail).toMatch(/-150 kW is beyond WMax 100 kW/);
    expect(writes).toEqual([]);
    expect(pv.powerKw()).toBe(-100);
  });

  it('refuses when the inverter states no WMax, naming the field', async () => {
    const none = await connected('pv', 4);
    expect((await none.write(sp(-10))).detail).toMatch(/WMax is unknown \(no model 121, no model 120\)/);
    const notImplemented = await connected('pv', 5);
    expect((await notImplemented.write(sp(-10))).detail).toMatch(/model 121 WMax not implemented/);
  });
});

describe('model 704 WSet', () => {
  it('is preferred for a PV unit that serves it: generation positive on the wire, capped output, revert', async () => {
    const a = await connected('pv', 2);
    expect(await a.write(sp(-25))).toEqual({ ok: true, readBackKw: -25, detail: null });
    expect(writes).toEqual(['704.WSetMod=1', '704.WSet=25000', '704.WSetEnaRvrt=0', '704.WSetRvrtTms=30', '704.WSetEna=1']);
    expect(pv704.powerKw()).toBe(-25);
    expect(pv704Der.values()).toMatchObject({ WSetEna: 1, WSet: 25_000, WSetRvrtRem: 30 });
    pv704.step(30);
    expect(pv704.powerKw()).toBe(-100);
    expect(pv704Der.values().WSetEna).toBe(0);

    expect((await a.write(sp(-60))).ok).toBe(true);
    writes.length = 0;
    expect(await a.release?.()).toEqual({ ok: true, readBackKw: null, detail: null });
    expect(writes).toEqual(['704.WSetEna=0', '123.WMaxLim_Ena=0']);
    expect(pv704.powerKw()).toBe(-100);
  });

  it('drives a battery told to use WSet: charge is negative WSet, revert to idle', async () => {
    const a = await connected('battery', 3, {}, { powerControl: 'wset' });
    expect(await a.write(sp(50))).toEqual({ ok: true, readBackKw: 50, detail: null });
    expect(writes).toContain('704.WSet=-50000');
    expect(bess.powerKw()).toBe(50);
    expect(await a.write(sp(-30))).toEqual({ ok: true, readBackKw: -30, detail: null });
    expect(bess.powerKw()).toBe(-30);
    bess.step(29);
    expect(bess.powerKw()).toBe(-30);
    bess.step(1);
    expect(bess.powerKw()).toBe(0);
    expect(bessDer.values().WSetEna).toBe(0);
  });

  it('reports a WSet the battery refuses (exception 03) as ok:false', async () => {
    const a = await connected('battery', 3, {}, { powerControl: 'wset' });
    const r = await a.write(sp(300));
    expect(r).toMatchObject({ ok: false, readBackKw: null, detail: expect.stringMatching(/exception 3/) });
    expect(bess.powerKw()).toBe(0);
  });
});

describe('model 124 with ChaGriSet, and release', () => {
  it('keeps 124 for a battery by default and writes ChaGriSet = GRID with a charge', async () => {
    const a = await connected('battery', 3);
    expect(await a.write(sp(20))).toEqual({ ok: true, readBackKw: 20, detail: null });
    expect(writes).toEqual(['124.OutWRte=0', '124.InWRte=8', '124.InOutWRte_RvrtTms=30', '124.ChaGriSet=1', '124.StorCtl_Mod=1']);
    expect(bess.powerKw()).toBe(20);
  });

  it('writes ChaGriSet = PV when the battery may only charge from PV, which caps it at the PV surplus', async () => {
    const a = await connected('battery', 3, { gridChargingAllowed: false });
    pvSurplusKw = 12;
    expect(await a.write(sp(20))).toEqual({ ok: true, readBackKw: 20, detail: null }); // what it was told
    expect(writes).toContain('124.ChaGriSet=0');
    expect(bessStorage.values().ChaGriSet).toBe(0);
    expect(bess.powerKw()).toBe(12); // what it does: no grid charging
    pvSurplusKw = 0;
    expect((await a.write(sp(20))).ok).toBe(true);
    expect(bess.powerKw()).toBe(0);
    writes.length = 0;
    expect((await a.write(sp(-20))).ok).toBe(true); // a discharge leaves the source alone
    expect(writes.some((w) => w.startsWith('124.ChaGriSet'))).toBe(false);
  });

  it('release() sets StorCtl_Mod = 0 and WSetEna = 0: the battery idles', async () => {
    const a = await connected('battery', 3);
    expect((await a.write(sp(-40))).ok).toBe(true);
    expect(bess.powerKw()).toBe(-40);
    writes.length = 0;
    expect(await a.release?.()).toEqual({ ok: true, readBackKw: 0, detail: null });
    expect(writes).toEqual(['124.StorCtl_Mod=0', '704.WSetEna=0']);
    expect(bess.powerKw()).toBe(0);
  });
});
