import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../simulators/index.js';
import { demandWindows, minimumPeak, peakOfSeries, scenarioOptimum, uncontrolledBaseKw, type OptimumBattery } from '../helpers/optimum.js';

/** Hand-solved cases for the reference optimum (test/helpers/optimum.ts) the replay tests trust. */

const START = Date.parse('2025-07-15T00:00:00+08:00');
const battery = (o: Partial<OptimumBattery>): OptimumBattery => ({
  id: 'b',
  capacityKwh: 100,
  socPct: 50,
  minSocPct: 0,
  maxSocPct: 100,
  maxChargeKw: 1000,
  maxDischargeKw: 1000,
  chargeEfficiency: 1,
  dischargeEfficiency: 1,
  ...o,
});
const problem = { startMs: START, stepS: 900, window: 'block' as const, offsetMin: 480 };

describe('reference optimum: windows', () => {
  it('block quarters align to the offset, a sliding window moves each minute', () => {
    // 30 min at 60 s: two quarters; sliding windows start at minutes 0..15.
    expect(demandWindows(START, 60, 30, 'block', 480).map((w) => w.steps.length)).toEqual([15, 15]);
    const sliding = demandWindows(START, 60, 30, 'sliding', 480);
    expect(sliding).toHaveLength(16);
    expect(sliding[5]?.steps[0]).toEqual([5, 60]);
    // A start at :07:30 in +08:00 touches three quarters in 30 min, the first and last in part.
    const odd = demandWindows(START + 450_000, 450, 4, 'block', 480);
    expect(odd.map((w) => w.steps)).toEqual([[[0, 450]], [[1, 450], [2, 450]], [[3, 450]]]);
  });

  it('a window counts import only: export in one step does not offset import in another', () => {
    const w = demandWindows(START, 450, 2, 'block', 480);
    expect(peakOfSeries([-200, 300], w)).toBe(150);
  });

  it('a 10-minute spike straddling a quarter boundary: block sees half, sliding sees all', () => {
    const g = Array.from({ length: 30 }, (_, m) => (m >= 10 && m < 20 ? 1000 : 0));
    expect(peakOfSeries(g, demandWindows(START, 60, 30, 'block', 480))).toBeCloseTo(1000 / 3, 9);
    expect(peakOfSeries(g, demandWindows(START, 60, 30, 'sliding', 480))).toBeCloseTo(2000 / 3, 9);
  });
});

describe('reference optimum: LP', () => {
  it('without batteries it is the uncontrolled peak, import only', async () => {
    const r = await minimumPeak({ ...problem, stepS: 450, baseKw: [-200, 300, 100, 100], batteries: [] });
    expect(r.peakKw).toBeCloseTo(150, 6);
    expect(r.uncontrolledPeakKw).toBe(150);
  });

  it('stored energy shaves the peak quarter down to the valley', async () => {
    // 50 kWh over 0.25 h lowers 300 kW by up to 200 kW: both quarters at 100 kW.
    const r = await minimumPeak({ ...problem, baseKw: [100, 300], batteries: [battery({})] });
    expect(r.peakKw).toBeCloseTo(100, 6);
    expect(r.batteryKw.b?.[1]).toBeCloseTo(-200, 6);
  });

  it('an empty battery must charge first, paying both efficiencies', async () => {
    // P = 100 + c = 300 − 0.81·c (0.9 × 0.9 round trip)  →  c = 200 / 1.81.
    const r = await minimumPeak({ ...problem, baseKw: [100, 300], batteries: [battery({ socPct: 0, chargeEfficiency: 0.9, dischargeEfficiency: 0.9 })] });
    expect(r.peakKw).toBeCloseTo(100 + 200 / 1.81, 6);
  });

  it('the discharge power limit binds', async () => {
    const r = await minimumPeak({ ...problem, baseKw: [0, 500], batteries: [battery({ capacityKwh: 1000, maxDischargeKw: 100 })] });
    expect(r.peakKw).toBeCloseTo(400, 6);
  });

  it('the SoC floor binds: only the energy above minSocPct is usable', async () => {
    // 100 kWh at 30 %, floor 20 %: 10 kWh → 40 kW over the quarter; maxSoc 30 % leaves no room to charge.
    const r = await minimumPeak({ ...problem, baseKw: [100, 300], batteries: [battery({ socPct: 30, minSocPct: 20, maxSocPct: 30 })] });
    expect(r.peakKw).toBeCloseTo(260, 6);
  });

  it('two batteries add up, and a DR cap can be added as a hard limit', async () => {
    const bs = [battery({ id: 'x', capacityKwh: 20, socPct: 100 }), battery({ id: 'y', capacityKwh: 10, socPct: 100 })];
    const r = await minimumPeak({ ...problem, baseKw: [100, 300], batteries: bs });
    expect(r.peakKw).toBeCloseTo(180, 6); // 30 kWh / 0.25 h = 120 kW off 300
    const capped = await minimumPeak({ ...problem, baseKw: [100, 300, 100], batteries: bs, importCapKw: [50, null, null] });
    // The first quarter must also come down to 50 kW: 12.5 kWh spent there, 17.5 kWh left = 70 kW.
    expect(capped.peakKw).toBeCloseTo(230, 6);
  });
});

describe('reference optimum: from a scenario', () => {
  it('samples the uncontrolled physics at the step and solves the hand case', async () => {
    // 100 kW, +200 kW from 01:00 for 15 min; 100 kWh at 50 % (40 kWh above 10 %, 40 kWh of room).
    // Charge at P − 100 for the first hour, then shave: 0.25·(300 − P) = 40 + (P − 100) → P = 108.
    const s = parseScenario(
      `version: 1
name: hand-case
start: 2025-07-15T00:00:00+08:00
durationH: 2
stepS: 60
forecast: perfect
sites:
  - id: s1
    gridImportLimitKw: 500
    assets:
      - {id: l, type: load, profile: {constantKw: 100}, steps: [{at: 2025-07-15T01:00:00+08:00, deltaKw: 200, durationS: 900}]}
      - {id: b, type: battery, capacityKwh: 100, maxChargeKw: 500, maxDischargeKw: 500, socPct: 50, minSocPct: 10, maxSocPct: 90, chargeEfficiency: 1, dischargeEfficiency: 1}
`,
      'hand-case.yaml',
    );
    const base = uncontrolledBaseKw(s).get('s1') ?? [];
    expect(base).toHaveLength(120);
    expect(base[59]).toBe(100);
    expect(base[60]).toBe(300);
    expect(base[75]).toBe(100);
    const r = (await scenarioOptimum(s)).get('s1');
    expect(r?.uncontrolledPeakKw).toBe(300);
    expect(r?.peakKw).toBeCloseTo(108, 6);
  });
});
