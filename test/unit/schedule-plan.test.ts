import { describe, expect, it } from 'vitest';
import { VppError } from '../../src/domain/index.js';
import { planSchedule, SCHEDULE_INVALID_INPUT, type PlanBattery, type PlanInput } from '../../src/schedule/index.js';

const battery = (over: Partial<PlanBattery> = {}): PlanBattery => ({
  id: 'bess',
  capacityKwh: 100,
  socPct: 100,
  minSocPct: 0,
  maxSocPct: 100,
  maxChargeKw: 1000,
  maxDischargeKw: 1000,
  chargeEfficiency: 1,
  dischargeEfficiency: 1,
  ...over,
});
const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  startMs: 1_752_508_800_000,
  slotS: 900,
  baseKw: [100, 300, 300, 100],
  batteries: [battery()],
  gridImportLimitKw: 1000,
  ...over,
});
const close = (a: number, b: number, tol = 1e-6): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** The CONTRACTS.md physics replayed on the plan's net power: it must give the plan's own SoC. */
function replaySocPct(b: PlanBattery, kw: readonly number[], slotS: number): number[] {
  let e = (b.socPct / 100) * b.capacityKwh;
  return kw.map((p) => {
    e += (p > 0 ? p * b.chargeEfficiency : p / b.dischargeEfficiency) * (slotS / 3600);
    return (e / b.capacityKwh) * 100;
  });
}

describe('planSchedule: least peak, worked by hand (base 100/300/300/100 kW, 15-min slots)', () => {
  // Each slot is 0.25 h. With the battery covering (300 − P) in slots 1 and 2, it gives
  // 2 · (300 − P) · 0.25 / ηd kWh; the peak is the P where that equals what it holds.
  const rows: ReadonlyArray<{ name: string; given: Partial<PlanBattery>; peakKw: number }> = [
    { name: '100 kWh full, η = 1: 100 kWh covers 2·(300 − P)·0.25 → P = 100', given: {}, peakKw: 100 },
    { name: '50 kWh full, η = 1 → 2·(300 − P)·0.25 = 50 → P = 200', given: { capacityKwh: 50 }, peakKw: 200 },
    { name: '50 kWh full, ηd = 0.8 → 2·(300 − P)·0.25 / 0.8 = 50 → P = 220', given: { capacityKwh: 50, dischargeEfficiency: 0.8 }, peakKw: 220 },
    { name: 'band 40-90 % of 100 kWh, full → 50 kWh usable → P = 200', given: { socPct: 90, minSocPct: 40, maxSocPct: 90 }, peakKw: 200 },
    { name: 'discharge limited to 50 kW → P = 250', given: { maxDischargeKw: 50 }, peakKw: 250 },
    // Empty: charge in slot 0 up to P, (P − 100)·0.25·ηc = 2·(300 − P)·0.25.
    { name: 'empty, η = 1 → P − 100 = 600 − 2P → P = 233.33', given: { socPct: 0 }, peakKw: 700 / 3 },
    { name: 'empty, ηc = 0.9 → 0.9·(P − 100) = 600 − 2P → P = 690 / 2.9', given: { socPct: 0, chargeEfficiency: 0.9 }, peakKw: 690 / 2.9 },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const b = battery(row.given);
      const plan = await planSchedule(input({ batteries: [b] }));
      expect(plan.status).toBe('optimal');
      expect(plan.peakKw).toBeCloseTo(row.peakKw, 6);
      expect(plan.objective).toBeCloseTo(row.peakKw, 6); // no prices: the objective is the peak
      expect(Math.max(...plan.gridKw)).toBeCloseTo(row.peakKw, 6);
      const kw = plan.batteryKw.bess ?? [];
      const soc = plan.socPct.bess ?? [];
      plan.gridKw.forEach((g, t) => expect(g).toBeCloseTo((input().baseKw[t] ?? NaN) + (kw[t] ?? NaN), 9));
      // SoC within its band, and equal to the physics of the net power: no hidden charge+discharge.
      for (const s of soc) expect(s >= b.minSocPct - 1e-9 && s <= b.maxSocPct + 1e-9).toBe(true);
      replaySocPct(b, kw, 900).forEach((s, t) => expect(s).toBeCloseTo(soc[t] ?? NaN, 6));
    });
  }

  it('keeps the peak floor and does not cycle to go below it (floor 250 → 50 kW in slots 1, 2 only)', async () => {
    const plan = await planSchedule(input({ peakFloorKw: 250 }));
    expect(plan.peakKw).toBe(250);
    expect(plan.batteryKw.bess?.map((p) => Math.round(p * 1e6) / 1e6)).toEqual([0, -50, -50, 0]);
    expect(plan.socPct.bess?.[3]).toBeCloseTo(75, 6); // 100 kWh − 2 · 50 kW · 0.25 h
  });
});

describe('planSchedule: prices, caps and events', () => {
  it('moves charging to the cheap slot when the spread pays for the losses', async () => {
    // Flat 100 kW load, 谷 0.3 / 峰 1.0 / 峰 1.0 / 谷 0.3, empty 100 kWh battery, 100 kW, η = 1:
    // charge 25 kWh in slot 0 (100 kW), give it back in a 峰 slot: slot 0 imports 50 kWh, the 峰
    // slots 25 + 25 − 25, slot 3 25 → cost = 0.3·50 + 1.0·25 + 0.3·25 = 15 + 25 + 7.5 = 47.5.
    const b = battery({ socPct: 0, maxChargeKw: 100, maxDischargeKw: 100 });
    const plan = await planSchedule(input({ baseKw: [100, 100, 100, 100], batteries: [b], importPricePerKwh: [0.3, 1, 1, 0.3] }));
    const kw = plan.batteryKw.bess ?? [];
    expect(kw[0]).toBeCloseTo(100, 6);
    expect((kw[1] ?? NaN) + (kw[2] ?? NaN)).toBeCloseTo(-100, 6);
    expect(kw[3]).toBeCloseTo(0, 6);
    expect(plan.objective).toBeCloseTo(47.5, 6);
  });

  it('leaves the battery idle when the spread does not pay for the round trip (0.9 → 1.0 at η 0.9·0.9)', async () => {
    const b = battery({ socPct: 0, chargeEfficiency: 0.9, dischargeEfficiency: 0.9 });
    const plan = await planSchedule(input({ baseKw: [100, 100, 100, 100], batteries: [b], importPricePerKwh: [0.9, 1, 1, 0.9] }));
    for (const p of plan.batteryKw.bess ?? []) expect(p).toBeCloseTo(0, 6);
  });

  it('honours an import cap event (slot 1 ≤ 200 kW) on top of the cost objective', async () => {
    // Flat price, η = 1, empty: cycling gains nothing; with no demand charge a tiny peak weight
    // breaks the tie (without the cap: 233.33 kW in slots 0-2). The cap holds slot 1 at 200, so
    // slot 0 charges x − 100 = (300 − 200) + (300 − g2) with x = g2 → grid 250/200/250/100.
    const b = battery({ socPct: 0 });
    const plan = await planSchedule(input({ batteries: [b], importPricePerKwh: [1, 1, 1, 1], importCapKw: [null, 200, null, null] }));
    expect(plan.status).toBe('optimal');
    expect(plan.gridKw.map((g) => Math.round(g * 1e6) / 1e6)).toEqual([250, 200, 250, 100]);
    expect(plan.objective).toBeCloseTo(0.25 * (250 + 200 + 250 + 100), 6);
  });

  it('relaxes an infeasible cap, names the slot and still does its best there', async () => {
    const b = battery({ maxDischargeKw: 100 });
    const plan = await planSchedule(input({ batteries: [b], importCapKw: [null, null, 0, null] }));
    expect(plan.status).toBe('relaxed');
    expect(plan.violatedSlots).toEqual([2]);
    expect(plan.gridKw[2]).toBeCloseTo(200, 6); // 300 − the full 100 kW
  });

  it('absorbs PV above the export limit into the battery', async () => {
    const b = battery({ socPct: 0 });
    const plan = await planSchedule(input({ baseKw: [-300, -300, 50, 50], batteries: [b], gridExportLimitKw: 200 }));
    expect(plan.status).toBe('optimal');
    for (const g of plan.gridKw) expect(g).toBeGreaterThanOrEqual(-200 - 1e-6);
  });

  it('is deterministic, and never charges and discharges at once on a realistic day', async () => {
    const baseKw = Array.from({ length: 96 }, (_, t) => 400 + 250 * Math.sin((t / 96) * 2 * Math.PI) - (t > 36 && t < 64 ? 350 : 0));
    const bs = [
      battery({ id: 'a', capacityKwh: 500, socPct: 12, minSocPct: 10, maxSocPct: 95, maxChargeKw: 250, maxDischargeKw: 250, chargeEfficiency: 0.95, dischargeEfficiency: 0.93 }),
      battery({ id: 'b', capacityKwh: 200, socPct: 80, minSocPct: 5, maxSocPct: 90, maxChargeKw: 100, maxDischargeKw: 100, chargeEfficiency: 0.9, dischargeEfficiency: 0.9 }),
    ];
    const given = input({
      baseKw,
      batteries: bs,
      importPricePerKwh: baseKw.map((_, t) => (t < 32 || t >= 88 ? 0.3 : 1.1)),
      exportPricePerKwh: 0.35,
      demandChargePerKw: 40,
      carbonKgPerKwh: baseKw.map(() => 0.58),
      carbonPricePerKg: 0.05,
    });
    const one = await planSchedule(given);
    const two = await planSchedule(given);
    expect({ ...two, solveMs: 0 }).toEqual({ ...one, solveMs: 0 });
    for (const b of bs) {
      const soc = one.socPct[b.id] ?? [];
      replaySocPct(b, one.batteryKw[b.id] ?? [], 900).forEach((s, t) => expect(close(s, soc[t] ?? NaN, 1e-6)).toBe(true));
      for (const s of soc) expect(s >= b.minSocPct - 1e-9 && s <= b.maxSocPct + 1e-9).toBe(true);
    }
  });
});

describe('planSchedule: input checks', () => {
  const bad: ReadonlyArray<[string, PlanInput, RegExp]> = [
    ['efficiency above 1', input({ batteries: [battery({ chargeEfficiency: 1.2 })] }), /batteries\[0\]\.chargeEfficiency must be in \(0, 1\], got 1\.2/],
    ['NaN in the forecast', input({ baseKw: [1, NaN, 3, 4] }), /baseKw\[1\] must be a finite number, got NaN/],
    ['cap series of the wrong length', input({ importCapKw: [null] }), /importCapKw\.length must equal baseKw\.length \(4\), got 1/],
    ['empty horizon', input({ baseKw: [] }), /baseKw must be a non-empty array/],
    ['duplicate battery id', input({ batteries: [battery(), battery()] }), /batteries\[1\]\.id must be unique, got "bess"/],
  ];
  for (const [name, given, message] of bad) {
    it(`refuses ${name}`, async () => {
      const err: unknown = await planSchedule(given).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VppError);
      expect((err as VppError).code).toBe(SCHEDULE_INVALID_INPUT);
      expect((err as VppError).message).toMatch(message);
    });
  }
});

describe('planner with export paying more than import', () => {
  it('stays bounded and plans (a meter cannot import and export at once)', async () => {
    const { planSchedule } = await import('../../src/schedule/index.js');
    const plan = await planSchedule({
      startMs: 0,
      slotS: 900,
      baseKw: [100, -50, 100, 200],
      batteries: [{ id: 'b', capacityKwh: 100, socPct: 50, minSocPct: 10, maxSocPct: 90, maxChargeKw: 50, maxDischargeKw: 50, chargeEfficiency: 0.95, dischargeEfficiency: 0.95 }],
      gridImportLimitKw: 500,
      importPricePerKwh: [0.31, 0.31, 0.31, 0.31],
      exportPricePerKwh: 0.39,
    });
    expect(plan.status).toBe('optimal');
    for (let t = 0; t < 4; t++) expect(plan.gridKw[t]).toBeCloseTo(([100, -50, 100, 200][t] ?? 0) + (plan.batteryKw.b?.[t] ?? 0), 6);
  });
});
