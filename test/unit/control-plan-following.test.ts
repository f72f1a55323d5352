import { describe, expect, it } from 'vitest';
import { summariseSite } from '../../src/core/index.js';
import {
  createStaticThreshold,
  initialPeakShavingState,
  initialPlanFollowingState,
  planFollowing,
  processImage,
  type ControlObligations,
  type PlanFollowingState,
  type ProcessImage,
} from '../../src/control/index.js';
import type { Asset, AssetState, BatteryAsset, Reading, Site } from '../../src/domain/index.js';
import type { Plan } from '../../src/schedule/index.js';
import { testBattery } from '../helpers/assets.js';

const T0 = Date.parse('2025-07-15T06:00:00Z');
const base = { binding: 'sim://plant-1/x', staleAfterS: 10, pollIntervalS: 1 };
const meter: Asset = { ...base, id: 'grid', kind: 'meter' };
const battery = (id: string, over: Partial<BatteryAsset> = {}): BatteryAsset =>
  testBattery(id, { ...base, chargeEfficiency: 1, dischargeEfficiency: 1, ...over });
const site = (over: Partial<Site> = {}, batteries = [battery('bess')]): Site => ({
  id: 'plant-1', name: 'Plant 1', timezone: 'Asia/Shanghai', gridImportLimitKw: 800, gridExportLimitKw: 200, assets: [meter, ...batteries], ...over,
});

/**
 * A plan from T0 of 4 equal slots: peak P, each battery's planned kW and end-of-slot SoC. Its
 * grid stays 100 kW under the peak unless `atPeak` (a slot the plan holds at its peak).
 */
function plan(peakKw: number, batteries: Record<string, { kw: number; socEndPct: number }>, atPeak = false): Plan {
  const rep = <T>(x: T): T[] => [x, x, x, x];
  return {
    startMs: T0, slotS: 900, peakKw, status: 'optimal', violatedSlots: [], objective: peakKw, solveMs: 1,
    gridKw: rep(atPeak ? peakKw : peakKw - 100),
    batteryKw: Object.fromEntries(Object.entries(batteries).map(([id, b]) => [id, rep(b.kw)])),
    socPct: Object.fromEntries(Object.entries(batteries).map(([id, b]) => [id, rep(b.socEndPct)])),
  };
}

type BatteryGiven = { powerKw: number; socPct: number } | 'stale';
interface Given {
  readonly gridKw: number;
  readonly importKwh?: number;
  readonly batteries: Readonly<Record<string, BatteryGiven>>;
}
interface Row {
  readonly atS?: number;
  readonly given: Given;
  readonly expect: { readonly setpoints: Readonly<Record<string, number>>; readonly reason?: RegExp; readonly notes?: RegExp };
}

const good = (value: number, atMs: number): Reading => ({ value, quality: 'good', atMs });

function imageOf(s: Site, given: Given, atMs: number, p?: Plan, obligations?: ControlObligations): ProcessImage {
  const states: Record<string, AssetState> = {};
  const meterReadings = { powerKw: good(given.gridKw, atMs), ...(given.importKwh !== undefined ? { energyImportKwh: good(given.importKwh, atMs) } : {}) };
  states.grid = { assetId: 'grid', kind: 'meter', readings: meterReadings, available: true };
  for (const [id, b] of Object.entries(given.batteries)) {
    states[id] =
      b === 'stale'
        ? { assetId: id, kind: 'battery', readings: { powerKw: { value: -100, quality: 'stale', atMs: atMs - 60_000 }, socPct: { value: 50, quality: 'stale', atMs: atMs - 60_000 } }, available: false }
        : { assetId: id, kind: 'battery', readings: { powerKw: good(b.powerKw, atMs), socPct: good(b.socPct, atMs) }, available: true };
  }
  return { ...processImage(s, summariseSite(s, states, atMs)), ...(p !== undefined ? { plan: p } : {}), ...(obligations !== undefined ? { obligations } : {}) };
}

/** Rows in order through one controller state; row i runs at T0 + atS (default i seconds). */
function runCycles(s: Site, rows: readonly Row[], p?: Plan, obligations?: ControlObligations): PlanFollowingState {
  let state = initialPlanFollowingState;
  rows.forEach((row, i) => {
    const nowMs = T0 + (row.atS ?? i) * 1000;
    const out = planFollowing(imageOf(s, row.given, nowMs, p, obligations), nowMs, state);
    const got = Object.fromEntries(out.setpoints.map((sp) => [sp.assetId, sp.powerKw]));
    expect(Object.keys(got).sort(), `cycle ${i}: which batteries`).toEqual(Object.keys(row.expect.setpoints).sort());
    for (const [id, kw] of Object.entries(row.expect.setpoints)) expect(got[id], `cycle ${i}: ${id} kW`).toBeCloseTo(kw, 1);
    if (row.expect.reason !== undefined) expect(out.setpoints[0]?.reason, `cycle ${i}: reason`).toMatch(row.expect.reason);
    if (row.expect.notes !== undefined) expect((out.notes ?? []).join('\n'), `cycle ${i}: notes`).toMatch(row.expect.notes);
    state = out.state;
  });
  return state;
}

// Slot 0 plans +100 kW from 50 % to 55 % (500 kWh × 5 % = 25 kWh = 100 kW × 0.25 h at η = 1).
const charging = plan(600, { bess: { kw: 100, socEndPct: 55 } });
// At T0 the plan has the battery at 50 %; the SoC path is met.
const bess = (powerKw: number, socPct: number) => ({ bess: { powerKw, socPct } });

describe('planFollowing, cycle by cycle', () => {
  it('follows the planned charge below the peak, and never lifts import above it', () => {
    runCycles(site(), [
      { given: { gridKw: 300, batteries: bess(0, 50) }, expect: { setpoints: { bess: 100 }, reason: /^plan: plan peak 600\.0 kW; slot 0 SoC path wants 100\.0 kW$/ } },
      // Import without battery 560: only 40 kW of charge fits under the 600 kW peak.
      { given: { gridKw: 660, batteries: bess(100, 50) }, expect: { setpoints: { bess: 40 }, reason: /^peak-shaving/ } },
      // Above the peak: discharge by the excess, whatever the plan wanted.
      { given: { gridKw: 650, batteries: bess(0, 50) }, expect: { setpoints: { bess: -50 }, reason: /^peak-shaving: plan peak 600\.0 kW: import without batteries 650\.0 kW/ } },
    ], charging);
  });

  it('corrects a SoC error toward the plan over at least 5 minutes', () => {
    // 2 % below the path = 10 kWh; over 900 s left that is 40 kW more than planned.
    runCycles(site(), [{ given: { gridKw: 300, batteries: bess(0, 48) }, expect: { setpoints: { bess: 140 } } }], charging);
    // 60 s before the slot ends the path is at 54.67 %; the 0.67 % gap closes over 300 s, not 60.
    runCycles(site(), [{ atS: 840, given: { gridKw: 300, batteries: bess(0, 54) }, expect: { setpoints: { bess: 100 + (0.00667 * 500) / (300 / 3600) } } }], charging);
  });

  it('keeps a DR import cap below the plan peak, and the export limit when discharging', () => {
    runCycles(site(), [
      { given: { gridKw: 520, batteries: bess(0, 50) }, expect: { setpoints: { bess: -70 }, reason: /^safety: import ceiling 450\.0 kW/ } },
    ], charging, { importCapKw: 450 });
    // The plan wants 250 kW discharge (arbitrage) with 0 kW import: export may reach 200 only.
    runCycles(site(), [
      { given: { gridKw: 0, batteries: bess(0, 60) }, expect: { setpoints: { bess: -200 }, reason: /^safety: export ceiling/ } },
    ], plan(600, { bess: { kw: -250, socEndPct: 60 - 12.5 } }));
  });

  it('never discharges at the SoC floor nor charges at the ceiling', () => {
    // 100 kW above the peak, and the plan would discharge too: nothing left above the floor.
    runCycles(site(), [{ given: { gridKw: 700, batteries: bess(0, 10) }, expect: { setpoints: { bess: 0 } } }], plan(600, { bess: { kw: -100, socEndPct: 5 } }));
    // The plan wants to charge (path at 94 %), the battery is at its 95 % ceiling.
    runCycles(site(), [{ given: { gridKw: 300, batteries: bess(0, 95) }, expect: { setpoints: { bess: 0 } } }], plan(600, { bess: { kw: 100, socEndPct: 99 } }));
  });

  it('drops a battery that goes stale mid-event within one cycle; the other takes over', () => {
    const two = site({}, [battery('b1'), battery('b2')]);
    const p = plan(600, { b1: { kw: -50, socEndPct: 47.5 }, b2: { kw: -50, socEndPct: 47.5 } });
    runCycles(two, [
      // Import without batteries 700 under a 500 kW DR cap: 200 kW between the two.
      { given: { gridKw: 500, batteries: { b1: { powerKw: -100, socPct: 50 }, b2: { powerKw: -100, socPct: 50 } } }, expect: { setpoints: { b1: -100, b2: -100 } } },
      // b1 stops answering: its last 100 kW are unknown, so the meter shows the whole gap to b2.
      { given: { gridKw: 600, batteries: { b1: 'stale', b2: { powerKw: -100, socPct: 50 } } }, expect: { setpoints: { b2: -200 }, notes: /b1: unavailable: no setpoint, device revert timer applies/ } },
      // b1's revert timer idles it: b2 carries the full 200 kW.
      { given: { gridKw: 500, batteries: { b1: 'stale', b2: { powerKw: -200, socPct: 50 } } }, expect: { setpoints: { b2: -200 } } },
    ], p, { importCapKw: 500 });
  });

  it('steady load, battery answering 2 s late: one setpoint, held, no oscillation', () => {
    const s = site();
    const p = plan(600, { bess: { kw: -100, socEndPct: 45 } });
    let state = initialPlanFollowingState;
    const issued: number[] = [];
    const history: number[] = [0, 0];
    let socPct = 50;
    for (let i = 0; i < 30; i++) {
      const loadKw = 700 + [0.2, -0.1, 0.3, -0.2, 0][i % 5]!;
      const batteryKw = history[history.length - 2] ?? 0; // the setpoint of two cycles ago
      const nowMs = T0 + i * 1000;
      const out = planFollowing(imageOf(s, { gridKw: loadKw + batteryKw, batteries: bess(batteryKw, socPct) }, nowMs, p), nowMs, state);
      socPct += ((batteryKw / 3600) / 500) * 100; // the plant: 1 s at batteryKw, η = 1
      const sp = out.setpoints[0]?.powerKw ?? Number.NaN;
      issued.push(sp);
      history.push(sp);
      state = out.state;
    }
    expect(issued[0]).toBeCloseTo(-100, 0);
    expect(new Set(issued).size).toBe(1);
  });

  it('block window: import may exceed the peak for a moment while the window mean stays at it', () => {
    // 10 minutes at 500 kW banked 16.7 kWh under a 600 kW peak: the last 5 minutes may average 800.
    const start = { atS: 0, given: { gridKw: 500, importKwh: 1000, batteries: bess(0, 50) }, expect: { setpoints: { bess: 100 } } };
    runCycles(site({ gridImportLimitKw: 1000 }), [
      start,
      { atS: 600, given: { gridKw: 860, importKwh: 1000 + (500 * 600) / 3600, batteries: bess(0, 50) }, expect: { setpoints: { bess: -60 }, reason: /window mean \(800\.0 kW left/ } },
    ], charging);
  });

  it('in a slot the plan holds at its peak, import tracks the peak whatever the SoC path says', () => {
    // The slot's mean need is 100 kW, but inside it the load moves: discharge exactly the excess.
    const p = plan(600, { bess: { kw: -100, socEndPct: 45 } }, true);
    runCycles(site(), [
      { given: { gridKw: 680, batteries: bess(0, 50) }, expect: { setpoints: { bess: -80 } } },
      { given: { gridKw: 640, batteries: bess(-80, 50) }, expect: { setpoints: { bess: -120 } } },
      // Below the peak for a moment: the room is used to charge, not to discharge on plan.
      { given: { gridKw: 470, batteries: bess(-120, 50) }, expect: { setpoints: { bess: 10 } } },
    ], p);
  });

  it('without a plan: guards only (peak target, import limit)', () => {
    runCycles(site({ peakTargetKw: 600 }), [
      { given: { gridKw: 650, batteries: bess(0, 50) }, expect: { setpoints: { bess: -50 } } },
      { given: { gridKw: 500, batteries: bess(0, 50) }, expect: { setpoints: { bess: 0 }, reason: /^idle: no plan: peak target 600 kW/ } },
    ]);
  });
});

describe('planFollowing under DR obligations', () => {
  // The plan wants 50 kW of discharge in slot 0 (from 50 % to 47.5 %), 100 kW under its 600 kW peak.
  const discharging = plan(600, { bess: { kw: -50, socEndPct: 47.5 } });
  const e1 = (what: string) => `${what} (event e1)`;
  const rows: { name: string; gridKw: number; o: ControlObligations; s?: Partial<Site>; kw: number; reason: RegExp }[] = [
    {
      name: 'a floor lifts import to it: charge instead of the planned discharge',
      gridKw: 200, o: { importFloorKw: 300, importCapKw: 300, sources: { importFloor: e1('DISPATCH_SETPOINT 300 kW'), importCap: e1('DISPATCH_SETPOINT 300 kW') } },
      kw: 100, reason: /^dr: import floor 300\.0 kW \(DISPATCH_SETPOINT 300 kW \(event e1\)\): import without batteries 200\.0 kW/,
    },
    {
      name: 'a floor above the cap is held at the cap',
      gridKw: 200, o: { importFloorKw: 300, importCapKw: 250 }, kw: 50, reason: /^dr: import floor 250\.0 kW/,
    },
    {
      name: 'a floor above the plan peak wins over the peak (obligations before the schedule)',
      gridKw: 500, o: { importFloorKw: 700, sources: { importFloor: e1('DISPATCH_SETPOINT_RELATIVE 100 kW against baseline 600 kW') } }, kw: 200,
      reason: /^dr: import floor 700\.0 kW \(DISPATCH_SETPOINT_RELATIVE 100 kW against baseline 600 kW \(event e1\)\)/,
    },
    {
      name: 'a floor never lifts import over the import limit',
      gridKw: 500, o: { importFloorKw: 900 }, kw: 250, reason: /^dr: import floor 800\.0 kW/, s: { gridImportLimitKw: 800 },
    },
    {
      name: 'a cap below −gridExportLimitKw is held at the export limit',
      gridKw: 0, o: { importCapKw: -300, importFloorKw: -300, sources: { importCap: e1('DISPATCH_SETPOINT -300 kW') } }, kw: -200,
      reason: /^safety: import ceiling -200\.0 kW \(dr import cap -300 kW \(DISPATCH_SETPOINT -300 kW \(event e1\)\), held at the grid export limit 200 kW\)/,
    },
    {
      name: 'a DR import cap names its source',
      gridKw: 520, o: { importCapKw: 450, sources: { importCap: e1('IMPORT_CAPACITY_LIMIT 450 kW') } }, kw: -70,
      reason: /^safety: import ceiling 450\.0 kW \(dr import cap 450 kW \(IMPORT_CAPACITY_LIMIT 450 kW \(event e1\)\)\)/,
    },
    {
      name: 'a DR export cap names its source',
      gridKw: -150, o: { exportCapKw: 100, sources: { exportCap: e1('EXPORT_CAPACITY_LIMIT 100 kW') } }, kw: 50,
      reason: /^safety: export ceiling 100\.0 kW \(EXPORT_CAPACITY_LIMIT 100 kW \(event e1\)\)/,
    },
  ];
  for (const r of rows) {
    it(r.name, () => {
      runCycles(site(r.s), [{ given: { gridKw: r.gridKw, batteries: bess(0, 50) }, expect: { setpoints: { bess: r.kw }, reason: r.reason } }], discharging, r.o);
    });
  }
});

describe('staticThreshold', () => {
  it('discharges by the excess above P, recharges by the deficit below R, idles between, under a DR cap', () => {
    const c = createStaticThreshold({ dischargeAboveKw: 600, rechargeBelowKw: 400 });
    const s = site();
    const run = (gridKw: number, obligations?: ControlObligations) => c(imageOf(s, { gridKw, batteries: bess(0, 50) }, T0, undefined, obligations), T0, initialPeakShavingState).setpoints[0]?.powerKw;
    expect(run(700)).toBeCloseTo(-100, 3);
    expect(run(500)).toBe(0);
    expect(run(300)).toBeCloseTo(100, 3);
    expect(run(700, { importCapKw: 550 })).toBeCloseTo(-150, 3);
    expect(() => createStaticThreshold({ dischargeAboveKw: 400, rechargeBelowKw: 600 })).toThrow(/rechargeBelowKw must be finite and <= dischargeAboveKw/);
  });

  it('passes every obligation to the inner peak shaver: floors, export caps and their sources', () => {
    const c = createStaticThreshold({ dischargeAboveKw: 600, rechargeBelowKw: 400 });
    const s = site();
    const run = (gridKw: number, obligations: ControlObligations) => c(imageOf(s, { gridKw, batteries: bess(0, 50) }, T0, undefined, obligations), T0, initialPeakShavingState).setpoints[0];
    // 500 kW sits between R and P (idle), but a DISPATCH_SETPOINT of 550 holds it there.
    const held = run(500, { importCapKw: 550, importFloorKw: 550, sources: { importCap: 'DISPATCH_SETPOINT 550 kW (event e1)', importFloor: 'DISPATCH_SETPOINT 550 kW (event e1)' } });
    expect(held?.powerKw).toBeCloseTo(50, 3);
    expect(held?.reason).toMatch(/^dr: import floor: import 500\.0 kW < floor 550 kW \(DISPATCH_SETPOINT 550 kW \(event e1\)\)/);
    // Export of 150 kW is within the site's 200 kW limit and above R (idle), but over a 100 kW DR export cap: charge 50.
    const lowR = createStaticThreshold({ dischargeAboveKw: 600, rechargeBelowKw: -500 });
    const absorbed = lowR(imageOf(s, { gridKw: -150, batteries: bess(0, 50) }, T0, undefined, { exportCapKw: 100, sources: { exportCap: 'EXPORT_CAPACITY_LIMIT 100 kW (event e2)' } }), T0, initialPeakShavingState).setpoints[0];
    expect(absorbed?.powerKw).toBeCloseTo(50, 3);
    expect(absorbed?.reason).toMatch(/^dr: export cap: export 150\.0 kW > cap 100 kW \(EXPORT_CAPACITY_LIMIT 100 kW \(event e2\)\)/);
  });
});
