import { describe, expect, it } from 'vitest';
import { summariseSite } from '../../src/core/index.js';
import {
  createPeakShaving,
  initialPeakShavingState,
  peakShaving,
  processImage,
  type PeakShavingState,
  type ProcessImage,
} from '../../src/control/index.js';
import {
  VppError,
  type Asset,
  type AssetState,
  type Reading,
  type Site,
} from '../../src/domain/index.js';
import { testBattery } from '../helpers/assets.js';

const T0 = 1_750_000_000_000;
const base = { binding: 'modbus://127.0.0.1:1/1', staleAfterS: 10, pollIntervalS: 1 };
const meter: Asset = { ...base, id: 'grid', kind: 'meter' };
const battery = testBattery;
const site = (over: Partial<Site> = {}, batteries = [battery('bess')]): Site => ({
  id: 'plant-1',
  name: 'Plant 1',
  timezone: 'Asia/Shanghai',
  gridImportLimitKw: 800,
  gridExportLimitKw: 200,
  peakTargetKw: 600,
  assets: [meter, ...batteries],
  ...over,
});

type BatteryGiven = { powerKw: number; socPct: number; availableDischargeKw?: number } | 'stale' | 'bad';
interface Given {
  readonly gridKw: number | 'bad' | 'stale';
  readonly batteries: Readonly<Record<string, BatteryGiven>>;
}
interface Expect {
  /** kW per battery that gets a setpoint; a battery not listed must get none. */
  readonly setpoints: Readonly<Record<string, number>>;
  readonly reasons?: Readonly<Record<string, RegExp>>;
  readonly notes?: RegExp;
}
interface Row {
  readonly given: Given;
  readonly expect: Expect;
}

const good = (value: number, atMs: number): Reading => ({ value, quality: 'good', atMs });

/** The frozen image the runtime would build: asset states → summariseSite → processImage. */
function imageOf(s: Site, given: Given, atMs: number): ProcessImage {
  const states: Record<string, AssetState> = {};
  const grid: Reading =
    typeof given.gridKw === 'number'
      ? good(given.gridKw, atMs)
      : given.gridKw === 'stale'
        ? { value: 500, quality: 'stale', atMs: atMs - 60_000 }
        : { value: null, quality: 'bad', atMs };
  states.grid = { assetId: 'grid', kind: 'meter', readings: { powerKw: grid }, available: grid.quality === 'good' };
  for (const [id, b] of Object.entries(given.batteries)) {
    const readings =
      b === 'stale'
        ? { powerKw: good(0, atMs), socPct: { value: 50, quality: 'stale' as const, atMs: atMs - 60_000 } }
        : b === 'bad'
          ? { powerKw: { value: null, quality: 'bad' as const, atMs }, socPct: good(50, atMs) }
          : {
              powerKw: good(b.powerKw, atMs),
              socPct: good(b.socPct, atMs),
              ...(b.availableDischargeKw === undefined ? {} : { availableDischargeKw: good(b.availableDischargeKw, atMs) }),
            };
    states[id] = { assetId: id, kind: 'battery', readings, available: b !== 'stale' && b !== 'bad' };
  }
  return processImage(s, summariseSite(s, states, atMs));
}

/** Runs rows in order through one controller state, one cycle (1 s) per row. */
function runCycles(s: Site, rows: readonly Row[], controller = peakShaving): PeakShavingState {
  let state = initialPeakShavingState;
  rows.forEach((row, i) => {
    const nowMs = T0 + i * 1000;
    const out = controller(imageOf(s, row.given, nowMs), nowMs, state);
    const got = Object.fromEntries(out.setpoints.map((sp) => [sp.assetId, sp.powerKw]));
    expect(Object.keys(got).sort(), `cycle ${i}: which batteries`).toEqual(Object.keys(row.expect.setpoints).sort());
    for (const [id, kw] of Object.entries(row.expect.setpoints)) {
      expect(got[id], `cycle ${i}: ${id} kW`).toBeCloseTo(kw, 2);
    }
    for (const [id, re] of Object.entries(row.expect.reasons ?? {})) {
      expect(out.setpoints.find((sp) => sp.assetId === id)?.reason, `cycle ${i}: ${id} reason`).toMatch(re);
    }
    if (row.expect.notes !== undefined) expect((out.notes ?? []).join('\n'), `cycle ${i}: notes`).toMatch(row.expect.notes);
    for (const sp of out.setpoints) {
      expect(sp).toMatchObject({ siteId: 'plant-1', atMs: nowMs });
    }
    state = out.state;
  });
  return state;
}

const bess = (powerKw: number, socPct: number) => ({ bess: { powerKw, socPct } });

describe('peakShaving, cycle by cycle', () => {
  it('discharges on exceed, idles at exactly the target, recharges below it', () => {
    runCycles(site(), [
      {
        given: { gridKw: 652, batteries: bess(0, 60) },
        expect: { setpoints: { bess: -52 }, reasons: { bess: /^peak-shaving: import 652\.0 kW > target 600 kW$/ } },
      },
      // The battery now delivers 52: metered 600, import without battery still 652.
      { given: { gridKw: 600, batteries: bess(-52, 60) }, expect: { setpoints: { bess: -52 } } },
      { given: { gridKw: 600, batteries: bess(0, 60) }, expect: { setpoints: { bess: 0 }, reasons: { bess: /^idle/ } } },
      {
        given: { gridKw: 450, batteries: bess(0, 60) },
        expect: { setpoints: { bess: 150 }, reasons: { bess: /^recharge: import 450\.0 kW < 600 kW$/ } },
      },
    ]);
  });

  it('does not oscillate: 10 cycles against a plant whose battery follows the setpoint one cycle late', () => {
    const s = site();
    let state = initialPeakShavingState;
    let batteryKw = 0;
    const loadKw = [700, 700.2, 699.8, 700.1, 700, 699.9, 700.3, 700, 699.7, 700.2];
    const issued: number[] = [];
    const gridSeen: number[] = [];
    loadKw.forEach((load, i) => {
      const gridKw = load + batteryKw;
      gridSeen.push(gridKw);
      const out = peakShaving(imageOf(s, { gridKw, batteries: bess(batteryKw, 60) }, T0 + i * 1000), T0 + i * 1000, state);
      const sp = out.setpoints[0]?.powerKw;
      if (sp === undefined) throw new Error(`cycle ${i}: no setpoint`);
      issued.push(sp);
      batteryKw = sp; // the plant: the battery reaches its setpoint by the next cycle
      state = out.state;
    });
    expect(issued[0]).toBeCloseTo(-100, 3);
    // Load noise below the 0.5 kW deadband: the setpoint is written once and then held.
    expect(new Set(issued).size).toBe(1);
    for (const g of gridSeen.slice(1)) expect(Math.abs(g - 600)).toBeLessThanOrEqual(0.5);
  });

  it('follows a real load change beyond the deadband without overshoot', () => {
    const s = site();
    let state = initialPeakShavingState;
    let batteryKw = 0;
    const loadKw = [700, 700, 760, 760, 760, 640, 640];
    const want = [-100, -100, -160, -160, -160, -40, -40];
    loadKw.forEach((load, i) => {
      const out = peakShaving(imageOf(s, { gridKw: load + batteryKw, batteries: bess(batteryKw, 60) }, T0 + i * 1000), T0 + i * 1000, state);
      const sp = out.setpoints[0]?.powerKw ?? Number.NaN;
      expect(sp, `cycle ${i}`).toBeCloseTo(want[i] ?? Number.NaN, 3);
      batteryKw = sp;
      state = out.state;
    });
  });

  it('never discharges at the SoC floor nor charges at the ceiling', () => {
    runCycles(site(), [
      {
        given: { gridKw: 700, batteries: bess(0, 10) },
        expect: { setpoints: { bess: 0 }, reasons: { bess: /^safety: soc floor 10\.0 % <= 10 % \(peak-shaving/ } },
      },
      { given: { gridKw: 700, batteries: bess(0, 9.5) }, expect: { setpoints: { bess: 0 }, reasons: { bess: /^safety: soc floor/ } } },
      { given: { gridKw: 700, batteries: bess(0, 10.5) }, expect: { setpoints: { bess: -100 } } },
      {
        given: { gridKw: 300, batteries: bess(0, 95) },
        expect: { setpoints: { bess: 0 }, reasons: { bess: /^safety: soc ceiling 95\.0 % >= 95 % \(recharge/ } },
      },
      // Charging at the ceiling: stop, whatever the recharge rule would like.
      { given: { gridKw: 400, batteries: bess(100, 96) }, expect: { setpoints: { bess: 0 }, reasons: { bess: /^safety: soc ceiling/ } } },
    ]);
  });

  it('clamps to the battery power limit (rated and BMS)', () => {
    runCycles(site(), [
      {
        given: { gridKw: 1000, batteries: bess(0, 60) },
        expect: { setpoints: { bess: -250 }, reasons: { bess: /limited by battery discharge power 250\.0 kW/ } },
      },
      { given: { gridKw: 0, batteries: bess(0, 60) }, expect: { setpoints: { bess: 250 }, reasons: { bess: /limited by battery charge power/ } } },
      // The BMS says 80 kW now (cold cells): that is the limit, not the rated 250.
      {
        given: { gridKw: 700, batteries: { bess: { powerKw: 0, socPct: 60, availableDischargeKw: 80 } } },
        expect: { setpoints: { bess: -80 }, reasons: { bess: /limited by battery discharge power 80\.0 kW/ } },
      },
    ]);
  });

  it('never recharges so that import exceeds gridImportLimitKw', () => {
    // Import limit below the recharge threshold: the hard limit wins.
    runCycles(site({ gridImportLimitKw: 500, peakTargetKw: 600 }), [
      {
        given: { gridKw: 450, batteries: bess(0, 60) },
        expect: { setpoints: { bess: 50 }, reasons: { bess: /^recharge: .*limited by grid import limit 500 kW$/ } },
      },
      // Already charging 50: import without battery is still 450.
      { given: { gridKw: 500, batteries: bess(50, 60) }, expect: { setpoints: { bess: 50 } } },
      // Above the hard limit the guard discharges even though the target is higher.
      { given: { gridKw: 560, batteries: bess(0, 60) }, expect: { setpoints: { bess: -60 }, reasons: { bess: /^safety: import limit/ } } },
    ]);
  });

  it('never discharges into export beyond gridExportLimitKw', () => {
    // A target below zero asks for export; the export limit (200) caps it.
    runCycles(site({ peakTargetKw: -300 }), [
      {
        given: { gridKw: 100, batteries: bess(0, 60) },
        expect: { setpoints: { bess: -250 }, reasons: { bess: /limited by battery discharge power/ } },
      },
      {
        // Without the battery 20 kW import: export may reach 200, so at most 220 kW discharge.
        given: { gridKw: -80, batteries: bess(-100, 60) },
        expect: { setpoints: { bess: -220 }, reasons: { bess: /limited by grid export limit 200 kW$/ } },
      },
    ]);
  });

  it('bad or stale meter: no setpoint at all, and says why', () => {
    runCycles(site(), [
      { given: { gridKw: 700, batteries: bess(0, 60) }, expect: { setpoints: { bess: -100 } } },
      { given: { gridKw: 'bad', batteries: bess(-100, 60) }, expect: { setpoints: {}, notes: /grid meter reading is bad: no setpoints/ } },
      { given: { gridKw: 'stale', batteries: bess(0, 60) }, expect: { setpoints: {}, notes: /grid meter reading is stale/ } },
      // Back to good: the deadband does not keep a setpoint from before the gap.
      { given: { gridKw: 700.3, batteries: bess(0, 60) }, expect: { setpoints: { bess: -100.3 } } },
    ]);
  });

  it('stale or bad battery: no setpoint to it, the other still shaves', () => {
    const two = site({}, [battery('b1'), battery('b2')]);
    runCycles(two, [
      {
        given: { gridKw: 700, batteries: { b1: 'stale', b2: { powerKw: 0, socPct: 60 } } },
        expect: { setpoints: { b2: -100 }, notes: /b1: unavailable \(powerKw good, socPct stale\): no setpoint/ },
      },
      {
        given: { gridKw: 700, batteries: { b1: { powerKw: 0, socPct: 60 }, b2: 'bad' } },
        expect: { setpoints: { b1: -100 }, notes: /b2: unavailable \(powerKw bad, socPct good\)/ },
      },
    ]);
  });

  it('splits across two batteries by energy left, the fuller one discharging more', () => {
    const two = site({}, [battery('b1'), battery('b2')]);
    // Above floor: b1 (60 %) 250 kWh, b2 (30 %) 100 kWh. Below ceiling: b1 175, b2 325 kWh.
    runCycles(two, [
      {
        given: { gridKw: 700, batteries: { b1: { powerKw: 0, socPct: 60 }, b2: { powerKw: 0, socPct: 30 } } },
        expect: { setpoints: { b1: (-100 * 250) / 350, b2: (-100 * 100) / 350 } },
      },
      // 400 kW wanted: b1's share 285.7 is capped at 250, b2 takes the remaining 150.
      {
        given: { gridKw: 1000, batteries: { b1: { powerKw: 0, socPct: 60 }, b2: { powerKw: 0, socPct: 30 } } },
        expect: { setpoints: { b1: -250, b2: -150 } },
      },
      {
        given: { gridKw: 500, batteries: { b1: { powerKw: 0, socPct: 60 }, b2: { powerKw: 0, socPct: 30 } } },
        expect: { setpoints: { b1: (100 * 175) / 500, b2: (100 * 325) / 500 } },
      },
      // b2 at its floor gets 0 with the safety reason; b1 carries everything.
      {
        given: { gridKw: 700, batteries: { b1: { powerKw: 0, socPct: 60 }, b2: { powerKw: 0, socPct: 10 } } },
        expect: { setpoints: { b1: -100, b2: 0 }, reasons: { b1: /^peak-shaving/, b2: /^safety: soc floor/ } },
      },
    ]);
  });

  it('without peakTargetKw: no shaving, 0 only to a running battery, import limit still guarded', () => {
    runCycles(site({ peakTargetKw: undefined }), [
      { given: { gridKw: 700, batteries: bess(0, 60) }, expect: { setpoints: {} } },
      { given: { gridKw: 700, batteries: bess(-40, 60) }, expect: { setpoints: { bess: 0 }, reasons: { bess: /^idle: no peak target$/ } } },
      { given: { gridKw: 900, batteries: bess(0, 60) }, expect: { setpoints: { bess: -100 }, reasons: { bess: /^safety: import limit/ } } },
      // Told -100 last cycle, now reading 0 still: it was told to run, so it is told to stop.
      { given: { gridKw: 700, batteries: bess(0, 60) }, expect: { setpoints: { bess: 0 } } },
      { given: { gridKw: 700, batteries: bess(0, 60) }, expect: { setpoints: {} } },
    ]);
  });

  it('never breaks a limit, over 2000 pseudo-random cycles', () => {
    let seed = 42;
    const rnd = (lo: number, hi: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return lo + ((hi - lo) * seed) / 2 ** 31;
    };
    const limits = { b1: battery('b1', { capacityKwh: 200, maxDischargeKw: 100 }), b2: battery('b2') };
    let state = initialPeakShavingState;
    for (let i = 0; i < 2000; i++) {
      const s = site({ peakTargetKw: rnd(-300, 900), gridImportLimitKw: rnd(200, 1000) }, Object.values(limits));
      const given = {
        b1: { powerKw: rnd(-100, 250), socPct: rnd(5, 100) },
        b2: { powerKw: rnd(-250, 250), socPct: rnd(5, 100) },
      };
      const gridKw = rnd(-400, 1200);
      const netKw = gridKw - given.b1.powerKw - given.b2.powerKw;
      const out = peakShaving(imageOf(s, { gridKw, batteries: given }, T0 + i * 1000), T0 + i * 1000, state);
      let total = 0;
      for (const sp of out.setpoints) {
        const a = limits[sp.assetId as 'b1' | 'b2'];
        const soc = given[sp.assetId as 'b1' | 'b2'].socPct;
        expect(sp.powerKw).toBeGreaterThanOrEqual(-a.maxDischargeKw);
        expect(sp.powerKw).toBeLessThanOrEqual(a.maxChargeKw);
        if (soc <= a.minSocPct) expect(sp.powerKw).toBeGreaterThanOrEqual(0);
        if (soc >= a.maxSocPct) expect(sp.powerKw).toBeLessThanOrEqual(0);
        total += sp.powerKw;
      }
      // Charging never lifts import over the limit; discharging never pushes export past it.
      if (total > 0) expect(netKw + total).toBeLessThanOrEqual(Math.max(netKw, s.gridImportLimitKw) + 1e-6);
      if (total < 0) expect(netKw + total).toBeGreaterThanOrEqual(Math.min(netKw, -200) - 1e-6);
      state = out.state;
    }
  });

  it('is pure: same inputs, same outputs; the frozen image is not touched', () => {
    const img = imageOf(site(), { gridKw: 652, batteries: bess(0, 60) }, T0);
    const a = peakShaving(img, T0, initialPeakShavingState);
    const b = peakShaving(img, T0, initialPeakShavingState);
    expect(a).toEqual(b);
    expect(Object.isFrozen(img.state.gridPowerKw)).toBe(true);
  });

  it('rejects a mismatched image and a bad option, naming the field', () => {
    const img = imageOf(site(), { gridKw: 652, batteries: bess(0, 60) }, T0);
    const wrong: ProcessImage = { site: { ...img.site, id: 'elsewhere' }, state: img.state };
    expect(() => peakShaving(wrong, T0, initialPeakShavingState)).toThrow(/state\.siteId must equal site\.id "elsewhere", got "plant-1"/);
    expect(() => createPeakShaving({ deadbandKw: -1 })).toThrow(VppError);
  });
});
