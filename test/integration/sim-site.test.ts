import ModbusSerial from 'modbus-serial';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sunspecModel } from '../../src/domain/sunspec/index.js';
import { BatteryModel, parseScenario, startScenario } from '../../simulators/index.js';

// modbus-serial is CommonJS: ESM sees the exports object, whose `default` is the class.
const ModbusRTU = ModbusSerial.default;
type Client = InstanceType<typeof ModbusRTU>;

const START = '2025-07-15T10:45:00+08:00';
const scenarioText = (stepS: number): string => `
version: 1
name: one-site
start: ${START}
durationH: 24
stepS: ${stepS}
forecast: perfect
sites:
  - id: plant-1
    timezone: Asia/Shanghai
    gridImportLimitKw: 800
    meter: {serve: modbus, unitId: 1}
    assets:
      - {id: base, type: load, profile: {bdew: g25, annualKwh: 2000000}, unitId: 2}
      - {id: roof, type: pv, kwp: 150, weather: tmy3-723170, unitId: 3}
      - {id: bess, type: battery, capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250, socPct: 60,
         minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.95, unitId: 4}
`;

interface SiteUnderTest {
  readonly port: number;
  snapshot(): { gridPowerKw: number; assets: Record<string, { powerKw: number; socPct?: number }> };
  step(dtS: number): void;
  simNowMs(): number;
  close(): Promise<void>;
}

/** One simulated site through the same runner as `vpp sim` and `npm start`. */
async function startSite(speed = 0, stepS = 1): Promise<SiteUnderTest> {
  const run = await startScenario({ scenario: parseScenario(scenarioText(stepS), 'one-site.yaml'), speed, portBase: 0 });
  const built = run.sites[0];
  if (built === undefined) throw new Error('no site');
  return {
    port: Number(new URL(run.endpoints[0]?.url ?? '').port),
    snapshot: () => ({
      gridPowerKw: built.physics.gridKw(),
      assets: Object.fromEntries(
        [...built.models].map(([id, m]) => [id, { powerKw: m.powerKw(), ...(m instanceof BatteryModel ? { socPct: m.socPct() } : {}) }]),
      ),
    }),
    step: (dtS) => run.step(dtS),
    simNowMs: () => run.simNowMs(),
    close: () => run.close(),
  };
}

let site: SiteUnderTest | null = null;
let client: Client | null = null;

afterEach(async () => {
  if (client !== null) await new Promise<void>((done) => client?.close(() => done()));
  client = null;
  await site?.close();
  site = null;
});

const int16 = (r: number): number => (r > 0x7fff ? r - 0x10000 : r);

/** Reads a SunSpec device by walking the model chain, as a client with no prior knowledge does. */
class SunSpecReader {
  private readonly bodies = new Map<number, number>();
  constructor(private readonly c: Client, private readonly unit: number) {}

  async regs(address: number, count: number): Promise<number[]> {
    this.c.setID(this.unit);
    return (await this.c.readHoldingRegisters(address, count)).data;
  }

  async discover(): Promise<number[]> {
    const ids: number[] = [];
    let at = 40002;
    for (;;) {
      const [id, len] = await this.regs(at, 2);
      if (id === 0xffff || id === undefined || len === undefined) return ids;
      ids.push(id);
      this.bodies.set(id, at + 2);
      at += 2 + len;
    }
  }

  address(model: number, point: string): number {
    const p = sunspecModel(model)?.byName.get(point);
    const body = this.bodies.get(model);
    if (p === undefined || body === undefined) throw new Error(`no point ${model}.${point}`);
    return body + p.offset;
  }

  async scale(model: number, point: string): Promise<number> {
    const sfName = sunspecModel(model)?.byName.get(point)?.sf;
    if (sfName === undefined) return 0;
    return int16((await this.regs(this.address(model, sfName), 1))[0] ?? NaN);
  }

  /** A numeric point in engineering units, its scale factor applied. */
  async value(model: number, point: string): Promise<number> {
    const def = sunspecModel(model)?.byName.get(point);
    const regs = await this.regs(this.address(model, point), def?.size ?? 1);
    const raw = def?.type === 'int16' ? int16(regs[0] ?? NaN) : def?.type === 'acc32' ? (regs[0] ?? NaN) * 0x10000 + (regs[1] ?? NaN) : (regs[0] ?? NaN);
    return raw * 10 ** (await this.scale(model, point));
  }

  /** Writes consecutive single-register points in one request, each scaled by its own factor. */
  async write(model: number, points: ReadonlyArray<readonly [string, number]>): Promise<void> {
    const raw: number[] = [];
    for (const [name, v] of points) raw.push((Math.round(v / 10 ** (await this.scale(model, name))) + 0x10000) % 0x10000);
    const first = points[0]?.[0] ?? '';
    points.forEach(([name], i) => {
      if (this.address(model, name) !== this.address(model, first) + i) throw new Error(`${name} does not follow ${first}`);
    });
    this.c.setID(this.unit);
    await this.c.writeRegisters(this.address(model, first), raw);
  }
}

async function connect(port: number): Promise<Client> {
  const c = new ModbusRTU();
  c.setTimeout(2000);
  await c.connectTCP('127.0.0.1', { port });
  return c;
}

describe('simulated site over SunSpec Modbus TCP', () => {
  it('serves meter, PV and battery on one port and follows model 124 writes and the revert timer', async () => {
    site = await startSite();
    expect(site.port).toBeGreaterThan(0);
    client = await connect(site.port);
    const meter = new SunSpecReader(client, 1);
    const load = new SunSpecReader(client, 2);
    const pv = new SunSpecReader(client, 3);
    const bess = new SunSpecReader(client, 4);
    for (const r of [meter, load, pv, bess]) expect(await r.regs(40000, 2)).toEqual([0x5375, 0x6e53]); // 'SunS'
    expect(await meter.discover()).toEqual([1, 203]);
    expect(await load.discover()).toEqual([1, 203]);
    expect(await pv.discover()).toEqual([1, 103, 123, 121]); // 121 (WMax) after 123: PV caps are a percentage of it
    expect(await bess.discover()).toEqual([1, 103, 124]);

    const wResolution = async (r: SunSpecReader, model: number): Promise<number> => 10 ** (await r.scale(model, 'W'));
    const snap0 = site.snapshot();
    const a0 = snap0.assets;
    expect(a0.roof?.powerKw).toBeLessThan(0); // July mid-morning: PV generates
    expect(snap0.gridPowerKw).toBeCloseTo((a0.base?.powerKw ?? NaN) + (a0.roof?.powerKw ?? NaN) + (a0.bess?.powerKw ?? NaN), 9);
    const meterW0 = await meter.value(203, 'W');
    expect(Math.abs(meterW0 - snap0.gridPowerKw * 1000)).toBeLessThanOrEqual(await wResolution(meter, 203));
    // SunSpec inverters count generation positive
    expect(Math.abs((await pv.value(103, 'W')) + (a0.roof?.powerKw ?? NaN) * 1000)).toBeLessThanOrEqual(await wResolution(pv, 103));
    expect(Math.abs((await load.value(203, 'W')) - (a0.base?.powerKw ?? NaN) * 1000)).toBeLessThanOrEqual(await wResolution(load, 203));
    expect(await bess.value(124, 'ChaState')).toBeCloseTo(60, 1);

    // discharge at 50 % of WChaMax, revert after 60 s without a fresh write
    const wChaMax = await bess.value(124, 'WChaMax');
    expect(wChaMax).toBe(250_000);
    await bess.write(124, [['OutWRte', 50], ['InWRte', 0], ['InOutWRte_WinTms', 0], ['InOutWRte_RvrtTms', 60]]);
    await bess.write(124, [['StorCtl_Mod', 0b10]]);
    site.step(1);
    const snap1 = site.snapshot();
    expect(snap1.assets.bess?.powerKw).toBeCloseTo(-0.5 * wChaMax / 1000, 9);
    expect(snap1.assets.bess?.socPct).toBeLessThan(60);
    expect(Math.abs((await bess.value(103, 'W')) - 0.5 * wChaMax)).toBeLessThanOrEqual(await wResolution(bess, 103));
    const meterW1 = await meter.value(203, 'W');
    // load and PV hold within the quarter-hour, so the meter drops by the battery's power
    expect(Math.abs(meterW1 - (meterW0 - 0.5 * wChaMax))).toBeLessThanOrEqual(2 * (await wResolution(meter, 203)));

    site.step(58); // 59 s after the write: still discharging
    expect(site.snapshot().assets.bess?.powerKw).toBeCloseTo(-125, 9);
    site.step(1); // 60 s: the revert timer ran out
    expect(site.snapshot().assets.bess?.powerKw).toBe(0);
    expect(await bess.value(124, 'StorCtl_Mod')).toBe(0);
    expect(Math.abs((await meter.value(203, 'W')) - site.snapshot().gridPowerKw * 1000)).toBeLessThanOrEqual(await wResolution(meter, 203));
    expect(site.snapshot().gridPowerKw).toBeCloseTo((site.snapshot().assets.base?.powerKw ?? NaN) + (site.snapshot().assets.roof?.powerKw ?? NaN), 9);
    expect(site.simNowMs()).toBe(Date.parse(START) + 60_000);
  });

  it('keeps going while the controller refreshes, and charges on bit 0', async () => {
    site = await startSite();
    client = await connect(site.port);
    const bess = new SunSpecReader(client, 4);
    await bess.discover();
    await bess.write(124, [['OutWRte', 0], ['InWRte', 20], ['InOutWRte_WinTms', 0], ['InOutWRte_RvrtTms', 10]]);
    await bess.write(124, [['StorCtl_Mod', 0b01]]);
    for (let i = 0; i < 5; i++) {
      site.step(8);
      await bess.write(124, [['InOutWRte_RvrtTms', 10]]); // heartbeat: a fresh write restarts the timer
    }
    expect(site.snapshot().assets.bess?.powerKw).toBeCloseTo(50, 9);
    expect(await bess.value(124, 'StorCtl_Mod')).toBe(1);
    const meter = new SunSpecReader(client, 1);
    await meter.discover();
    expect(await meter.value(203, 'TotWhImp')).toBeGreaterThan(0);
  });

  it('answers exception 03 to a value it cannot take', async () => {
    site = await startSite();
    client = await connect(site.port);
    const bess = new SunSpecReader(client, 4);
    await bess.discover();
    await expect(bess.write(124, [['OutWRte', 150]])).rejects.toMatchObject({ modbusCode: 3 });
    await expect(bess.write(124, [['StorCtl_Mod', 0b100]])).rejects.toMatchObject({ modbusCode: 3 });
    expect(site.snapshot().assets.bess?.powerKw).toBe(0);
  });

  it('runs on the wall clock when speed > 0', async () => {
    site = await startSite(600, 5);
    const startMs = site.simNowMs();
    const s = site;
    // no event marks a physics tick: poll with a deadline
    await vi.waitFor(() => expect(s.simNowMs()).toBeGreaterThanOrEqual(startMs + 60_000), { timeout: 5000, interval: 20 });
    expect((s.simNowMs() - startMs) % 5000).toBe(0);
  });
});
