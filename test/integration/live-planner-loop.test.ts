import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { startController, type RunningController } from '../../src/runtime/index.js';
import { eventually } from '../helpers/cli.js';

/**
 * The planner in the live loop (issue 6), against the demo's simulated devices over real SunSpec
 * Modbus TCP on 127.0.0.1 (free ports), with a temp data dir: the site has a 峰/平/谷 tariff with
 * a demand charge, the g25 profile as its load forecast and its location for the PV forecast.
 * The simulated clock starts at 10:45 on a July Tuesday (峰).
 */
const CONFIG = `
http: {host: 127.0.0.1, port: 0}
control: {cycleS: 1}
simulation: {startAt: 2025-07-15T10:45:00+08:00, speed: 1}
sites:
  - id: demo-plant
    timezone: Asia/Shanghai
    gridImportLimitKw: 450
    tariff:
      import: [{from: "00:00", to: "06:00", pricePerKwh: 0.3}, {from: "06:00", to: "08:00", pricePerKwh: 0.7},
               {from: "08:00", to: "11:00", pricePerKwh: 1.2}, {from: "11:00", to: "18:00", pricePerKwh: 0.7},
               {from: "18:00", to: "21:00", pricePerKwh: 1.2}, {from: "21:00", to: "22:00", pricePerKwh: 0.7},
               {from: "22:00", to: "24:00", pricePerKwh: 0.3}]
      demandChargePerKw: 40
    location: {latDeg: 31.23, lonDeg: 121.47}
    forecast: {load: {bdew: g25, annualKwh: 3000000}}
    assets:
      - {id: grid, type: meter, binding: modbus://127.0.0.1:0/1}
      - {id: base-load, type: load, binding: modbus://127.0.0.1:0/2, simulate: {profile: {bdew: g25, annualKwh: 3000000}}}
      - {id: roof-pv, type: pv, kwp: 400, binding: modbus://127.0.0.1:0/3, simulate: {weather: tmy3-723170}}
      - {id: bess, type: battery, capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250, minSocPct: 10, maxSocPct: 95,
         revertS: 10, binding: modbus://127.0.0.1:0/4, simulate: {socPct: 60}}
`;

const dir = mkdtempSync(join(tmpdir(), 'vpp-planner-loop-'));
const logLines: Array<Record<string, unknown>> = [];
const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
let vpp: RunningController;
const T_START = Date.now();

beforeAll(async () => {
  const cfg = parseConfig(CONFIG, 'planner-loop.yaml', { VPP_HTTP_PORT: '0', VPP_DATA_DIR: join(dir, 'data') });
  vpp = await startController(cfg, { log, version: 'test' });
}, 20_000);

afterAll(async () => {
  await vpp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the live loop follows the plan of a site with a tariff', () => {
  it('plans within seconds, follows the plan, keeps import at the plan peak and the limit, and does not oscillate', async () => {
    const planned = await eventually('the first plan', async () => logLines.find((l) => l.msg === 'site re-planned'), 10_000);
    expect(Date.now() - T_START).toBeLessThan(15_000);
    expect(planned).toMatchObject({ site: 'demo-plant', forecast: 'profile g25', batteries: ['bess'] });
    const peakKw = planned.peakKw as number;
    expect(peakKw).toBeGreaterThan(0);
    const followFrom = Date.now();

    // Fifteen cycles of the simulated plant under its steady load (the profile holds within the quarter hour).
    // One sample per meter reading (polled each second), each with the command the battery reports holding.
    const samples: { atMs: number; gridKw: number; setpointKw: number }[] = [];
    await eventually(
      '15 cycles after the plan',
      async () => {
        const s = vpp.sites()[0]?.state;
        const g = s?.gridPowerKw;
        const sp = s?.assets.bess?.readings.setpointKw;
        if (g?.quality === 'good' && g.value !== null && sp?.quality === 'good' && sp.value !== null && g.atMs > (samples.at(-1)?.atMs ?? followFrom)) {
          samples.push({ atMs: g.atMs, gridKw: g.value, setpointKw: sp.value });
        }
        return Date.now() > followFrom + 15_000 ? true : undefined;
      },
      20_000,
      100,
    );
    await vpp.store.flush();
    // Setpoints are recorded when they change: the plan's first one may land in the cycle right
    // after the plan (before followFrom) and hold. From the first plan-following setpoint on, every
    // one is the plan's.
    const all = await vpp.store.querySetpoints({ siteId: 'demo-plant', assetId: 'bess', fromMs: (typeof planned.time === 'number' ? planned.time : Date.parse(String(planned.time))) - 2000, toMs: Date.now() + 1 });
    const first = all.findIndex((r) => r.reason.endsWith('; by plan-following'));
    expect(first, all.map((r) => r.reason).join('\n')).toBeGreaterThanOrEqual(0);
    const rows = all.slice(first);
    expect(rows.every((r) => r.reason.endsWith('; by plan-following')), rows.map((r) => r.reason).join('\n')).toBe(true);
    // Import without the battery (~365 kW) is above the plan's peak: the battery discharges.
    expect(rows.some((r) => r.powerKw < -10)).toBe(true);

    // The first seconds settle: the plan is picked up, written and read back, and the block
    // window's budget starts counting (the loop waits for readings taken after a change, so the
    // meter and the battery, polled apart, are not mixed across it; a start-up transient of two
    // or three cycles remains, e.g. 0 → −153 → −0.5 → −250 → −153 kW seen in CI). From the 8th
    // reading on, import sits at the plan peak and under the limit.
    expect(samples.length).toBeGreaterThanOrEqual(13);
    const settled = samples.slice(7);
    const TOLERANCE_KW = 10;
    for (const s of settled) {
      expect(s.gridKw).toBeLessThanOrEqual(Math.min(450, peakKw + TOLERANCE_KW));
    }
    // No oscillation: the command keeps its sign and moves by less than 10 kW cycle to cycle.
    const kws = settled.map((s) => s.setpointKw);
    const signChanges = kws.slice(1).filter((kw, i) => Math.sign(kw) !== Math.sign(kws[i] ?? 0)).length;
    const swings = kws.slice(1).filter((kw, i) => Math.abs(kw - (kws[i] ?? 0)) > 10).length;
    expect({ signChanges, swings }, JSON.stringify(samples)).toEqual({ signChanges: 0, swings: 0 });
  }, 38_000);
});
