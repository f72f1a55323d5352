import { describe, expect, it } from 'vitest';
import { eventPerformance, intervalMeansKw, type PerformanceInput } from '../../src/mv/index.js';

const start = Date.parse('2025-07-15T14:00:00+08:00');

// Four quarter hours (0.25 h each) against a flat 500 kW baseline.
const shed: PerformanceInput = {
  startMs: start,
  intervalS: 900,
  baselineKw: [500, 500, 500, 500],
  actualKw: [400, 420, 460, 500],
  requested: { type: 'SHED', kw: 80 },
  rate: { kind: 'energy', pricePerKwh: 2 },
};

describe('eventPerformance, SHED 80 kW', () => {
  it('computes delivery, compliance and an energy settlement (worked by hand)', () => {
    // delivered kW   = 100, 80, 40, 0          → kWh × 0.25 h = 25, 20, 10, 0 → 55 kWh
    // mean delivered = 55 kWh / 1 h = 55 kW
    // compliant when delivered >= 80 × 0.99 = 79.2: yes, yes, no, no → 50 %
    // payment        = 2 /kWh × 55 kWh = 110; no penalty in the rate → net 110
    const p = eventPerformance(shed);
    expect(p.intervals.map((i) => i.deliveredKw)).toEqual([100, 80, 40, 0]);
    expect(p.intervals.map((i) => i.deliveredKwh)).toEqual([25, 20, 10, 0]);
    expect(p.intervals.map((i) => i.compliant)).toEqual([true, true, false, false]);
    expect(p.intervals[1]?.startMs).toBe(start + 900_000);
    expect(p.deliveredKwh).toBe(55);
    expect(p.meanDeliveredKw).toBe(55);
    expect(p.compliancePct).toBe(50);
    expect(p.settlement).toEqual({ basis: 'energy', paymentAmount: 110, penaltyAmount: 0, netAmount: 110 });
  });

  it('charges an under-delivery penalty only when the rate has one', () => {
    // shortfall of the non-compliant intervals: (80 - 40) × 0.25 = 10 kWh, (80 - 0) × 0.25 = 20 kWh → 30 kWh
    // penalty = 3 /kWh × 30 = 90 → net 110 - 90 = 20
    const p = eventPerformance({ ...shed, rate: { kind: 'energy', pricePerKwh: 2, penaltyPerKwh: 3 } });
    expect(p.shortfallKwh).toBe(30);
    expect(p.settlement).toEqual({ basis: 'energy', paymentAmount: 110, penaltyAmount: 90, netAmount: 20 });
  });

  it('settles a capacity rate on the mean delivered kW', () => {
    // payment = 10 /kW × 55 kW = 550; shortfall 30 kWh over the 1 h window = 30 kW × 5 /kW = 150 → net 400
    const p = eventPerformance({ ...shed, rate: { kind: 'capacity', pricePerKw: 10, penaltyPerKw: 5 } });
    expect(p.settlement).toEqual({ basis: 'capacity', paymentAmount: 550, penaltyAmount: 150, netAmount: 400 });
  });

  it('pays nothing, and charges nothing extra, when the site drew more than its baseline', () => {
    const p = eventPerformance({ ...shed, actualKw: [520, 520, 520, 520] });
    expect(p.deliveredKwh).toBe(-20); // -20 kW × 4 × 0.25 h
    expect(p.settlement?.paymentAmount).toBe(0);
  });
});

describe('eventPerformance, IMPORT_CAPACITY_LIMIT 450 kW', () => {
  it('counts an interval compliant at import <= 450 × 1.01 = 454.5 kW and withholds settlement on missing data', () => {
    const p = eventPerformance({
      ...shed,
      actualKw: [440, 454.5, 455, null],
      requested: { type: 'IMPORT_CAPACITY_LIMIT', kw: 450 },
    });
    // compliant: 440 yes, 454.5 yes, 455 no, missing no → 2 of 4 = 50 %
    expect(p.intervals.map((i) => i.compliant)).toEqual([true, true, false, false]);
    expect(p.compliancePct).toBe(50);
    // delivered over the 3 quarter hours with data: (60 + 45.5 + 45) × 0.25 = 37.625 kWh over 0.75 h
    expect(p.deliveredKwh).toBeCloseTo(37.625, 12);
    expect(p.meanDeliveredKw).toBeCloseTo(50.1666667, 6);
    // shortfall: (455 - 450) × 0.25 = 1.25 kWh
    expect(p.shortfallKwh).toBeCloseTo(1.25, 12);
    expect(p.intervals[3]).toMatchObject({ actualKw: null, deliveredKw: null, deliveredKwh: null, compliant: false });
    expect(p.missingIntervals).toBe(1);
    expect(p.settlement).toBeNull();
    expect(p.settlementWithheld).toBe('1 of 4 intervals have no good meter data');
  });

  it('reproduces replay compliantPct from 1-minute means', () => {
    // 1-minute intervals over 10 minutes: 3 of them above 454.5 → 70 %.
    const actualKw = [450, 451, 452, 460, 470, 453, 454, 455, 449, 440];
    const p = eventPerformance({ ...shed, intervalS: 60, baselineKw: new Array(10).fill(600), actualKw, requested: { type: 'IMPORT_CAPACITY_LIMIT', kw: 450 } });
    expect(p.compliancePct).toBe(70);
  });
});

describe('eventPerformance input checks', () => {
  it('names the field and the value', () => {
    expect(() => eventPerformance({ ...shed, actualKw: [1, 2] })).toThrow(/mv: actualKw\.length must equal baselineKw\.length \(4\), got 2/);
    expect(() => eventPerformance({ ...shed, actualKw: [1, Number.NaN, 3, 4] })).toThrow(/actualKw\[1\] must be a finite number, got NaN/);
    expect(() => eventPerformance({ ...shed, requested: { type: 'SHED', kw: -1 } })).toThrow(/requested\.kw must be >= 0, got -1/);
    expect(() => eventPerformance({ ...shed, rate: { kind: 'energy', pricePerKwh: 2, penaltyPerKwh: -1 } })).toThrow(/rate\.penaltyPerKwh must be >= 0/);
    const badRate = JSON.parse('{"kind":"barter"}') as PerformanceInput['rate'];
    expect(() => eventPerformance({ ...shed, rate: badRate })).toThrow(/rate\.kind must be energy or capacity, got "barter"/);
  });
});

describe('intervalMeansKw', () => {
  it('averages 1-minute readings into quarter hours and leaves an empty interval null', () => {
    const samples = [
      ...Array.from({ length: 15 }, (_, m) => ({ atMs: start + m * 60_000, value: m < 5 ? 100 : 130 })),
      { atMs: start + 16 * 60_000, value: Number.NaN },
      { atMs: start + 17 * 60_000, value: 999, quality: 'bad' as const },
    ];
    // first quarter hour: (5 × 100 + 10 × 130) / 15 = 120; second: only unusable samples → null
    expect(intervalMeansKw(samples, start, 900, 2)).toEqual([120, null]);
  });
});
