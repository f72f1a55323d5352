import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import type { AssetState } from '../../src/domain/index.js';
import { startController, type RunningController } from '../../src/runtime/index.js';
import { eventually } from '../helpers/cli.js';

/**
 * Operating modes in the live loop, against the demo's simulated devices over real SunSpec
 * Modbus TCP on 127.0.0.1 (free ports), with a temp data dir. The site starts in shadow (the
 * config's `mode:`). A second battery sits at its SoC floor. `revertS: 5` so a device left
 * alone falls back within seconds.
 */
const CONFIG = `
http: {host: 127.0.0.1, port: 0}
control: {cycleS: 1}
simulation: {startAt: 2025-07-15T10:45:00+08:00, speed: 1}
sites:
  - id: demo-plant
    timezone: Asia/Shanghai
    gridImportLimitKw: 450
    peakTargetKw: 300
    mode: shadow
    assets:
      - {id: grid, type: meter, binding: modbus://127.0.0.1:0/1}
      - {id: base-load, type: load, binding: modbus://127.0.0.1:0/2, simulate: {profile: {bdew: g25, annualKwh: 3000000}}}
      - {id: roof-pv, type: pv, kwp: 400, binding: modbus://127.0.0.1:0/3, simulate: {weather: tmy3-723170}}
      - {id: bess, type: battery, capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250, minSocPct: 10, maxSocPct: 95,
         revertS: 5, binding: modbus://127.0.0.1:0/4, simulate: {socPct: 60}}
      - {id: low, type: battery, capacityKwh: 100, maxChargeKw: 50, maxDischargeKw: 50, minSocPct: 20, maxSocPct: 95,
         revertS: 5, binding: modbus://127.0.0.1:0/5, simulate: {socPct: 20}}
`;

const dir = mkdtempSync(join(tmpdir(), 'vpp-modes-'));
const logLines: Array<Record<string, unknown>> = [];
const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
let vpp: RunningController;
const T_START = Date.now();

const asset = (id: string): AssetState | undefined => vpp.sites()[0]?.state?.assets[id];
const value = (id: string, metric: 'setpointKw' | 'powerKw' | 'socPct'): number | undefined => {
  const r = asset(id)?.readings[metric];
  return r?.quality === 'good' && r.value !== null ? r.value : undefined;
};
const setpoints = async (assetId: string, fromMs: number) => {
  await vpp.store.flush();
  return vpp.store.querySetpoints({ siteId: 'demo-plant', assetId, fromMs, toMs: Date.now() + 1 });
};
const change = (assetId: string | null, mode: 'auto' | 'shadow' | 'manual' | 'off', manualKw: number | null = null) =>
  vpp.modes.setMode({ siteId: 'demo-plant', assetId, mode, manualKw, who: 'test:ops', why: `test ${mode}`, atMs: Date.now() });

beforeAll(async () => {
  const cfg = parseConfig(CONFIG, 'modes-loop.yaml', { VPP_HTTP_PORT: '0', VPP_DATA_DIR: join(dir, 'data') });
  vpp = await startController(cfg, { log, version: 'test' });
}, 30_000);

afterAll(async () => {
  await vpp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('operating modes in the live loop', () => {
  it('shadow: records the setpoints auto would write, and writes none', async () => {
    const seen: number[] = [];
    const recorded = await eventually(
      'shadow setpoints for bess in the store',
      async () => {
        const cmd = value('bess', 'setpointKw');
        if (cmd !== undefined) seen.push(cmd);
        const rows = await setpoints('bess', T_START);
        return seen.length >= 3 && rows.length > 0 ? rows : undefined;
      },
      20_000,
    );
    // Import ~365 kW over a 300 kW target: auto would discharge; shadow only says so.
    expect(recorded.every((r) => r.reason.startsWith('shadow: peak-shaving'))).toBe(true);
    expect(recorded.some((r) => r.powerKw < -1)).toBe(true);
    // The simulated battery was never commanded: its command register stays idle.
    expect(seen.every((kw) => kw === 0)).toBe(true);
    expect(value('bess', 'powerKw')).toBe(0);
  }, 30_000);

  it('manual: the battery follows the operator setpoint, cut by the limits and the SoC floor', async () => {
    const fromMs = Date.now();
    await change(null, 'manual', -80);
    // Site manual -80 kW: 'low' sits at its floor (no share), so bess takes it all.
    await eventually('bess to discharge 80 kW', async () => (Math.abs((value('bess', 'powerKw') ?? 0) + 80) < 1 ? true : undefined), 15_000);
    expect(value('bess', 'setpointKw')).toBeCloseTo(-80, 0);
    await change('low', 'manual', -30);
    await change('bess', 'manual', -400);
    const rows = await eventually(
      'the cut manual setpoints recorded',
      async () => {
        const [b, l] = [await setpoints('bess', fromMs), await setpoints('low', fromMs)];
        const cutB = b.find((r) => r.reason.includes('operator setpoint -400.0 kW'));
        const cutL = l.find((r) => r.reason.includes('operator setpoint -30.0 kW'));
        return cutB !== undefined && cutL !== undefined && Math.abs((value('bess', 'powerKw') ?? 0) + 250) < 1 ? { cutB, cutL } : undefined;
      },
      15_000,
    );
    expect(rows.cutB).toMatchObject({ powerKw: -250, reason: 'manual: operator setpoint -400.0 kW; cut to -250.0 kW by discharge limit 250.0 kW' });
    expect(rows.cutL).toMatchObject({ powerKw: 0 });
    expect(rows.cutL.reason).toMatch(/cut to 0\.0 kW by soc floor 20\.\d % <= 20 %/);
    expect(value('low', 'powerKw')).toBe(0);

    // Charging 400 kW on ~365 kW of import would break the 450 kW import limit: cut to fit.
    const chargeFrom = Date.now();
    await change('bess', 'manual', 400);
    const cut = await eventually(
      'the charge cut by the import limit, followed',
      async () => {
        // The latest record: one cut while the readings straddle the switch from -250 kW may be
        // more conservative (a grid reading newer than the battery's), then it settles.
        const r = (await setpoints('bess', chargeFrom)).filter((x) => x.reason.includes('operator setpoint 400.0 kW')).at(-1);
        return r !== undefined && r.powerKw > 0 && Math.abs((value('bess', 'powerKw') ?? 0) - r.powerKw) < 1 ? r : undefined;
      },
      15_000,
    );
    expect(cut.reason).toMatch(/cut to \d+\.\d kW by charge limit 250\.0 kW, grid import limit 450 kW$/);
    expect(cut.powerKw).toBeGreaterThan(10);
    expect(cut.powerKw).toBeLessThan(150);
    const gridKw = vpp.sites()[0]?.state?.gridPowerKw.value ?? Number.NaN;
    expect(gridKw).toBeLessThanOrEqual(451);
  }, 30_000);

  it('off: the assets are released and nothing more is written', async () => {
    await change(null, 'off');
    const offAt = Date.now();
    // With the adapter's release() the device is handed back at once; an adapter without one
    // is left alone and the device's 5 s revert timer hands it back.
    await eventually('bess back on its own (idle)', async () => (value('bess', 'setpointKw') === 0 && value('bess', 'powerKw') === 0 ? true : undefined), 12_000);
    // Three more cycles: the command stays idle and no setpoint is written (a write in flight
    // when the mode changed may still land in the first second).
    const samples: number[] = [];
    await eventually('three cycles after off', async () => {
      const cmd = value('bess', 'setpointKw');
      if (cmd !== undefined) samples.push(cmd);
      return Date.now() > offAt + 4000 ? true : undefined;
    }, 8_000);
    expect(samples.length).toBeGreaterThan(3);
    expect(samples.every((kw) => kw === 0)).toBe(true);
    expect(await setpoints('bess', offAt + 1000)).toEqual([]);
    expect(logLines.some((l) => l.msg === 'operating mode changed' && l.mode === 'off' && l.who === 'test:ops' && l.why === 'test off')).toBe(true);
    const releases = logLines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('off: ') && l.asset === 'bess');
    // Released once on entering off, not every cycle.
    expect(releases.map((l) => l.msg)).toEqual([expect.stringMatching(/^off: (released to its own control|adapter has no release)/)]);
  }, 30_000);

  it('back to auto: control resumes (peak shaving discharges again)', async () => {
    const fromMs = Date.now();
    await change(null, 'auto');
    await eventually('bess to discharge under peak shaving', async () => ((value('bess', 'setpointKw') ?? 0) < -1 ? true : undefined), 15_000);
    const rows = await setpoints('bess', fromMs);
    expect(rows.some((r) => r.reason.startsWith('peak-shaving') && r.powerKw < -1)).toBe(true);
    // Every change is in the log, newest first, with who and why.
    expect((await vpp.modes.view('demo-plant'))?.changes.map((c) => `${c.assetId ?? '*'}:${c.mode}:${c.who}`)).toEqual([
      '*:auto:test:ops', '*:off:test:ops', 'bess:manual:test:ops', 'bess:manual:test:ops', 'low:manual:test:ops', '*:manual:test:ops',
    ]);
  }, 30_000);
});
