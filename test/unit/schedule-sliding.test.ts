import { describe, expect, it } from 'vitest';
import { planSchedule, type PlanBattery, type PlanInput } from '../../src/schedule/index.js';

const T0 = 1_752_508_800_000; // a whole minute
const battery = (over: Partial<PlanBattery> = {}): PlanBattery => ({
  id: 'bess', capacityKwh: 10, socPct: 100, minSocPct: 0, maxSocPct: 100, maxChargeKw: 1000, maxDischargeKw: 1000, chargeEfficiency: 1, dischargeEfficiency: 1, ...over,
});
// 30 one-minute slots at 100 kW with a 5-minute spike of 400 kW in minutes 10..14.
const spiky = Array.from({ length: 30 }, (_, k) => (k >= 10 && k < 15 ? 400 : 100));
const oneMinute = (over: Partial<PlanInput>): PlanInput => ({ startMs: T0, slotS: 60, baseKw: spiky, batteries: [battery()], gridImportLimitKw: 10_000, ...over });

describe('planSchedule with sliding (滑差) windows over one-minute slots, worked by hand', () => {
  it('no battery: the window holding the whole spike, (5·400 + 10·100) / 15 = 200 kW', async () => {
    const plan = await planSchedule(oneMinute({ batteries: [], demandWindow: 'sliding' }));
    expect(plan.peakKw).toBeCloseTo(200, 6);
  });

  it('10 kWh spent inside the spike lowers every window holding it by 600 kW·min / 15 min: P = 160', async () => {
    // The windows holding the whole spike start at minutes 0..10 and share only the spike, so
    // energy spent elsewhere helps fewer of them. The spike's own minutes stay above P (280 kW).
    const plan = await planSchedule(oneMinute({ demandWindow: 'sliding' }));
    expect(plan.peakKw).toBeCloseTo(160, 4);
    expect(plan.gridKw[12]).toBeGreaterThan(plan.peakKw + 100);
    expect(plan.slotS).toBe(60);
  });

  it('block on the same slots bounds every minute: 5·(400 − P)/60 = 10 kWh gives P = 280', async () => {
    const plan = await planSchedule(oneMinute({}));
    expect(plan.peakKw).toBeCloseTo(280, 4);
  });

  it('counts the import metered before the plan in the windows that began before it', async () => {
    // The spike was the 5 minutes before the start; then 20 minutes at 100 kW. The window that
    // began 5 minutes ago holds 2000 + 10·100 kW·min: 200 kW idle, 160 kW with 10 kWh spent.
    const base = { startMs: T0, slotS: 60, baseKw: new Array<number>(20).fill(100), gridImportLimitKw: 10_000, demandWindow: 'sliding' as const };
    const pastImport = { stepS: 60, importKw: [400, 400, 400, 400, 400] };
    expect((await planSchedule({ ...base, batteries: [], pastImport })).peakKw).toBeCloseTo(200, 6);
    expect((await planSchedule({ ...base, batteries: [battery()], pastImport })).peakKw).toBeCloseTo(160, 4);
    // Blind to the past, the plan sees only its own 20 minutes: 10 kWh spent in minutes 5..14,
    // common to all its windows, gives (1500 − 600) / 15 = 60 kW.
    expect((await planSchedule({ ...base, batteries: [battery()] })).peakKw).toBeCloseTo(60, 4);
  });

  it('mixes one-minute slots with quarter hours: the windows span both', async () => {
    // 15 one-minute slots at 100 kW, then quarter hours at 100 and 250 kW; no battery.
    const plan = await planSchedule({
      startMs: T0, slotS: 900, slotLengthsS: [...new Array<number>(15).fill(60), 900, 900], baseKw: [...new Array<number>(15).fill(100), 100, 250],
      batteries: [], gridImportLimitKw: 10_000, demandWindow: 'sliding',
    });
    expect(plan.peakKw).toBeCloseTo(250, 6);
    expect(plan.slotLengthsS).toHaveLength(17);
  });
});

describe('planSchedule merges batteries that are scaled copies, without changing the plan', () => {
  const day = Array.from({ length: 96 }, (_, k) => 300 + 200 * Math.sin((Math.PI * k) / 48) ** 2);
  const input = (batteries: PlanBattery[]): PlanInput => ({
    startMs: T0, slotS: 900, baseKw: day, batteries, gridImportLimitKw: 10_000,
    importPricePerKwh: day.map((_, k) => (k < 32 ? 0.3 : 1.0)), demandChargePerKw: 40,
  });
  const scaled = (id: string, k: number): PlanBattery => battery({ id, capacityKwh: 100 * k, maxChargeKw: 50 * k, maxDischargeKw: 50 * k, socPct: 40, minSocPct: 10, maxSocPct: 90, chargeEfficiency: 0.95, dischargeEfficiency: 0.95 });

  it('two batteries 100 and 200 kWh at the same fractions plan as one of 300 kWh, split 1:2', async () => {
    const one = await planSchedule(input([scaled('c', 3)]));
    const two = await planSchedule(input([scaled('a', 1), scaled('b', 2)]));
    expect(two.objective).toBeCloseTo(one.objective, 6);
    expect(two.peakKw).toBeCloseTo(one.peakKw, 6);
    const c = one.batteryKw.c ?? [];
    (two.batteryKw.a ?? []).forEach((kw, t) => expect(kw).toBeCloseTo((c[t] ?? NaN) / 3, 6));
    (two.batteryKw.b ?? []).forEach((kw, t) => expect(kw).toBeCloseTo((2 * (c[t] ?? NaN)) / 3, 6));
    expect(two.socPct.a).toEqual(two.socPct.b);
  });

  it('a battery at another SoC is planned on its own, and keeps its bounds', async () => {
    const plan = await planSchedule(input([scaled('a', 1), { ...scaled('b', 2), socPct: 85 }]));
    for (const id of ['a', 'b']) {
      for (const soc of plan.socPct[id] ?? []) {
        expect(soc).toBeGreaterThanOrEqual(10 - 1e-9);
        expect(soc).toBeLessThanOrEqual(90 + 1e-9);
      }
    }
    expect(plan.socPct.a).not.toEqual(plan.socPct.b);
  });
});
