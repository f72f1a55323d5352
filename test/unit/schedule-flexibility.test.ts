import { describe, expect, it } from 'vitest';
import {
  batterySlotKw,
  coveredMeanKw,
  flexHistoryRanges,
  flexibilityForecast,
  quarterHourStartMs,
  type FlexBattery,
  type FlexForecastInput,
  type FlexHistoryPoint,
} from '../../src/schedule/index.js';
import { VppError } from '../../src/domain/index.js';

const MIN = 60_000;
const DAY = 86_400_000;
// 11:07:30 in Shanghai: the quarter hour in progress began at 11:00 local = 03:00Z.
const NOW = Date.parse('2025-07-15T03:07:30Z');
const Q0 = Date.parse('2025-07-15T03:00:00Z');

const bess: FlexBattery = {
  id: 'bess', capacityKwh: 500, minSocPct: 10, maxSocPct: 95, maxChargeKw: 250, maxDischargeKw: 250,
  chargeEfficiency: 0.95, dischargeEfficiency: 0.95, socPct: 60,
};

/** One sample a minute over [fromMs, toMs), value from `kw(t)`. */
function minutely(fromMs: number, toMs: number, kw: (atMs: number) => number): FlexHistoryPoint[] {
  const out: FlexHistoryPoint[] = [];
  for (let t = fromMs; t < toMs; t += MIN) out.push({ atMs: t, kw: kw(t) });
  return out;
}

const input = (over: Partial<FlexForecastInput>): FlexForecastInput => ({
  nowMs: NOW, timezone: 'Asia/Shanghai', horizonS: 3600, gridHistory: [], batteryHistory: [], batteries: [bess], gridImportLimitKw: 800, ...over,
});

describe('quarter hours and the history window', () => {
  it('aligns slots to the site-local quarter hour in progress', () => {
    expect(quarterHourStartMs(NOW, 'Asia/Shanghai')).toBe(Q0);
    // Kathmandu is UTC+05:45: 03:20Z is 09:05 local, its quarter hour began at 09:00 local = 03:15Z.
    expect(quarterHourStartMs(Date.parse('2025-07-15T03:20:00Z'), 'Asia/Kathmandu')).toBe(Date.parse('2025-07-15T03:15:00Z'));
  });

  it('reads only the slots a day (or two) back, from one hold earlier', () => {
    // PT1H: 5 slots 03:00..04:15Z, all one day back: yesterday 02:59..04:15Z.
    expect(flexHistoryRanges(NOW, 'Asia/Shanghai', 3600)).toEqual([{ fromMs: Q0 - DAY - MIN, toMs: Q0 - DAY + 75 * MIN }]);
    // PT24H: 97 slots; the last (03:00Z tomorrow) goes two days back, onto yesterday's 03:00Z again.
    expect(flexHistoryRanges(NOW, 'Asia/Shanghai', 86_400)).toEqual([{ fromMs: Q0 - DAY - MIN, toMs: Q0 }]);
    // P2D: 193 slots, one, two and three days back: still only the last day is read.
    expect(flexHistoryRanges(NOW, 'Asia/Shanghai', 2 * 86_400)).toEqual([{ fromMs: Q0 - DAY - MIN, toMs: Q0 }]);
  });
});

describe('coveredMeanKw', () => {
  it('averages by time and needs 80 % of the slot covered', () => {
    // Samples at minutes 0..11: 10 kW for 0-5, 20 kW for 6-11; each holds 60 s: 720 s of 900 s = 80 %.
    const s = minutely(0, 12 * MIN, (t) => (t < 6 * MIN ? 10 : 20));
    expect(coveredMeanKw(s, 0, 15 * MIN)).toBe(15);
    // Minutes 0..10 only: 660 s < 720 s, unknown (never a mean of the gap as 0).
    expect(coveredMeanKw(s.slice(0, 11), 0, 15 * MIN)).toBeNull();
  });

  it('does not let one sample stand for more than 60 s', () => {
    const sparse = [{ atMs: 0, kw: 10 }, { atMs: 5 * MIN, kw: 20 }, { atMs: 10 * MIN, kw: 30 }];
    expect(coveredMeanKw(sparse, 0, 15 * MIN)).toBeNull();
    expect(coveredMeanKw([], 0, 15 * MIN)).toBeNull();
  });
});

describe('batterySlotKw: what a battery can hold through a quarter hour', () => {
  it.each([
    // soc, decrease, increase (hand-worked: 500 kWh, floor 10 %, ceiling 95 %, 250 kW, η 0.95)
    [60, 250, 250], // 250 kWh above floor × 0.95 / 0.25 h = 950 kW > 250; 175 kWh / (0.95 × 0.25 h) = 737 > 250
    [11, 19, 250], // 5 kWh × 0.95 / 0.25 h = 19 kW
    [94, 250, 5 / (0.95 * 0.25)], // 5 kWh / 0.2375 h = 21.05 kW
    [10, 0, 250], // at the floor: no discharge
    [95, 250, 0], // at the ceiling: no charge
  ])('SoC %s pct: decrease %s kW, increase %s kW', (soc, dec, inc) => {
    const kw = batterySlotKw(bess, soc);
    expect(kw.decreaseKw).toBeCloseTo(dec, 9);
    expect(kw.increaseKw).toBeCloseTo(inc, 9);
  });
});

describe('flexibilityForecast', () => {
  // Yesterday 03:00-04:00Z: grid 500, 550, 600, 650 kW by quarter hour while the battery discharged 100 kW.
  const yesterday = Q0 - DAY;
  const grid = minutely(yesterday, yesterday + 60 * MIN, (t) => 500 + 50 * Math.floor((t - yesterday) / (15 * MIN)));
  const battery = minutely(yesterday, yesterday + 60 * MIN, () => -100);

  it('forecasts base = grid − battery from the same slot yesterday and says which slots are unknown', () => {
    const f = flexibilityForecast(input({ gridHistory: grid, batteryHistory: battery }));
    expect(f.slots.map((s) => s.startMs)).toEqual([0, 1, 2, 3, 4].map((k) => Q0 + k * 15 * MIN));
    expect(f.slots.every((s) => s.endMs - s.startMs === 15 * MIN)).toBe(true);
    // Base without the battery: 500 − (−100) = 600 ... ; 04:00Z yesterday has no history.
    expect(f.slots.map((s) => s.baseKw)).toEqual([600, 650, 700, 750, null]);
    expect({ known: f.slotsKnown, unknown: f.slotsUnknown }).toEqual({ known: 4, unknown: 1 });
    // Battery at 60 %: 250 kW both ways; the import limit 800 caps the increase to 800 − base.
    expect(f.slots.map((s) => s.increaseKw)).toEqual([200, 150, 100, 50, 250]);
    expect(f.slots.map((s) => s.decreaseKw)).toEqual([250, 250, 250, 250, 250]);
    expect(f.slots.every((s) => s.socPctStart === 60)).toBe(true);
  });

  it('treats missing battery history as unknown base, and a site without batteries as battery 0', () => {
    const noBatteryData = flexibilityForecast(input({ gridHistory: grid, batteryHistory: [] }));
    expect(noBatteryData.slots.map((s) => s.baseKw)).toEqual([null, null, null, null, null]);
    const none = flexibilityForecast(input({ gridHistory: grid, batteryHistory: null, batteries: [] }));
    expect(none.slots.map((s) => s.baseKw)).toEqual([500, 550, 600, 650, null]);
    expect(none.slots.map((s) => [s.decreaseKw, s.increaseKw, s.socPctStart])).toEqual(new Array(5).fill([0, 0, undefined]));
  });

  it('gives null battery figures when no SoC is known, never 0', () => {
    const f = flexibilityForecast(input({ gridHistory: grid, batteryHistory: battery, batteries: [{ ...bess, socPct: null }] }));
    expect(f.slots[0]).toMatchObject({ baseKw: 600, decreaseKw: null, increaseKw: null });
    expect(f.slots[0]).not.toHaveProperty('socPctStart');
  });

  it('caps the decrease by the export limit and lets a PV-only battery take only the surplus', () => {
    // Yesterday the site exported 100 kW (PV), battery idle; export limit 200: decrease at most 100.
    const exporting = minutely(yesterday, yesterday + 15 * MIN, () => -100);
    const idle = minutely(yesterday, yesterday + 15 * MIN, () => 0);
    const pvOnly: FlexBattery = { ...bess, id: 'pv-only', gridChargingAllowed: false, socPct: 60 };
    const f = flexibilityForecast(input({ horizonS: 300, gridHistory: exporting, batteryHistory: idle, batteries: [bess, pvOnly], gridExportLimitKw: 200 }));
    expect(f.slots).toHaveLength(1);
    // Two batteries of 250 kW: 500 kW, capped at base + export limit = −100 + 200 = 100.
    expect(f.slots[0]?.decreaseKw).toBe(100);
    // bess 250 from the grid + the PV-only battery up to the 100 kW surplus.
    expect(f.slots[0]?.increaseKw).toBe(350);
  });

  it('uses the same slot two days back for slots ending more than 24 h ahead', () => {
    // Today 02:45-03:00Z, just before the quarter hour in progress: 777 kW.
    const today = minutely(Q0 - 15 * MIN, Q0, () => 777);
    const f = flexibilityForecast(input({ horizonS: 86_400, gridHistory: [...grid, ...today], batteryHistory: null, batteries: [] }));
    expect(f.slots).toHaveLength(97);
    expect(f.slots[0]?.baseKw).toBe(500); // yesterday's 03:00Z
    // Tomorrow 02:45Z ends 23h52m30s after now: one day back, today's 02:45Z.
    expect(f.slots[95]?.baseKw).toBe(777);
    // Tomorrow 03:00Z: one day back is the quarter hour still running, so two days back: yesterday's 03:00Z.
    expect(f.slots[96]?.startMs).toBe(Q0 + DAY);
    expect(f.slots[96]?.baseKw).toBe(500);
    expect(f.slots[1]?.baseKw).toBe(550);
    expect(f.slots[50]?.baseKw).toBeNull();
  });

  it('refuses NaN inputs with a VppError naming the field', () => {
    expect(() => flexibilityForecast(input({ gridHistory: [{ atMs: 0, kw: Number.NaN }] }))).toThrow(/gridHistory\[0\]\.kw must be a finite number/);
    expect(() => flexibilityForecast(input({ batteries: [{ ...bess, socPct: Number.NaN }] }))).toThrow(VppError);
    expect(() => flexibilityForecast(input({ horizonS: 0 }))).toThrow(/horizonS must be > 0/);
  });
});
