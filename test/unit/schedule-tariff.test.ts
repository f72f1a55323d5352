import { describe, expect, it } from 'vitest';
import { VppError } from '../../src/domain/index.js';
import { carbonPerSlot, peakBlockKw, peakSlidingKw, touPricePerSlot, type TouPeriod } from '../../src/schedule/index.js';

// 谷 00-08 0.30, 峰 08-22 1.10, 谷 22-24 0.30 (CONTRACTS.md example), minutes after local midnight.
const fengPingGu: TouPeriod[] = [
  { fromMin: 0, toMin: 480, pricePerKwh: 0.3 },
  { fromMin: 480, toMin: 1320, pricePerKwh: 1.1 },
  { fromMin: 1320, toMin: 1440, pricePerKwh: 0.3 },
];
const at = (iso: string): number => Date.parse(iso);

describe('touPricePerSlot', () => {
  it('gives each quarter hour the price in force at its start, in the site zone', () => {
    const prices = touPricePerSlot(fengPingGu, at('2025-07-15T00:00:00+08:00'), 900, 96, 'Asia/Shanghai');
    expect(prices).toHaveLength(96);
    expect(prices[31]).toBe(0.3); // 07:45
    expect(prices[32]).toBe(1.1); // 08:00
    expect(prices[87]).toBe(1.1); // 21:45
    expect(prices[88]).toBe(0.3); // 22:00
  });

  it('follows the wall clock across a DST change (Europe/Berlin, 2025-03-30 02:00 → 03:00)', () => {
    const periods: TouPeriod[] = [
      { fromMin: 0, toMin: 180, pricePerKwh: 1 },
      { fromMin: 180, toMin: 1440, pricePerKwh: 2 },
    ];
    // Hourly slots from local midnight: 00:00, 01:00, then 03:00 (02:00 does not exist), 04:00.
    // A fixed +01:00 offset would call the third slot 02:00 and price it 1.
    expect(touPricePerSlot(periods, at('2025-03-30T00:00:00+01:00'), 3600, 4, 'Europe/Berlin')).toEqual([1, 1, 2, 2]);
  });

  it('refuses periods that leave a gap, naming it', () => {
    const gap = [{ fromMin: 0, toMin: 480, pricePerKwh: 0.3 }, { fromMin: 500, toMin: 1440, pricePerKwh: 1 }];
    expect(() => touPricePerSlot(gap, 0, 900, 4, 'UTC')).toThrow(/tariff\[1\]\.fromMin must continue the day at 480, got 500/);
    expect(() => touPricePerSlot(fengPingGu, 0, 900, 4, 'Mars/Olympus')).toThrow(VppError);
  });
});

describe('carbonPerSlot', () => {
  const t0 = at('2025-07-15T00:00:00+08:00');
  it('repeats a constant', () => {
    expect(carbonPerSlot(0.58, t0, 900, 3)).toEqual([0.58, 0.58, 0.58]);
  });
  it('averages a series by time, each value holding until the next point', () => {
    // 0.5 from 00:00, 0.8 from 00:10: slot 00:00-00:15 → (10·0.5 + 5·0.8) / 15 = 0.6; next 0.8.
    const series = [{ atMs: t0, kgPerKwh: 0.5 }, { atMs: t0 + 600_000, kgPerKwh: 0.8 }];
    const out = carbonPerSlot(series, t0, 900, 2);
    expect(out[0]).toBeCloseTo(0.6, 12);
    expect(out[1]).toBeCloseTo(0.8, 12);
  });
  it('refuses a slot before the first point instead of taking 0', () => {
    expect(() => carbonPerSlot([{ atMs: t0, kgPerKwh: 0.5 }], t0 - 900_000, 900, 2)).toThrow(/carbon must have a point at or before the plan start/);
  });
});

describe('billing demand of a grid-power series', () => {
  const t10 = at('2025-07-15T10:00:00+08:00');
  const rows: ReadonlyArray<{ name: string; samples: number[]; startMs: number; stepS: number; offsetMin: number; block: number; sliding: number }> = [
    {
      // 10:05-10:25 in 5-min steps: quarter 10:00 holds 100 and 200 for 5 min each → 300·5/15;
      // quarter 10:15 holds 300, 400 → 700·5/15. Sliding 10:10-10:25 → (200+300+400)·5/15 = 300.
      name: 'partly covered quarters divide by the full 15 minutes',
      samples: [100, 200, 300, 400], startMs: t10 + 300_000, stepS: 300, offsetMin: 480, block: 700 / 3, sliding: 300,
    },
    {
      // Export is not demand: quarter 10:00 = (0 + 600 + 600)/3, not (−500 + 1200)/3.
      name: 'export does not offset import',
      samples: [-500, 600, 600], startMs: t10, stepS: 300, offsetMin: 480, block: 400, sliding: 400,
    },
    {
      // 900 kW from 10:10 to 10:20 straddles a quarter boundary: each quarter sees 5 min → 300;
      // a sliding window 10:08-10:23 sees all 10 min → 600.
      name: 'a burst across a boundary: block halves it, sliding does not',
      samples: [...Array<number>(10).fill(0), ...Array<number>(10).fill(900), ...Array<number>(10).fill(0)], startMs: t10, stepS: 60, offsetMin: 480, block: 300, sliding: 600,
    },
    {
      // Quarters follow the offset: with +00:05 local, 10:05-10:15 UTC is 10:10-10:20 local, split 5/5.
      name: 'quarters align to the given offset',
      samples: [600, 600], startMs: Date.UTC(2025, 6, 15, 10, 5), stepS: 300, offsetMin: 5, block: 200, sliding: 400,
    },
    {
      // 30-s steps: 1200 kW for 7.5 min inside one quarter → 600.
      name: 'sub-minute steps',
      samples: [...Array<number>(15).fill(1200), ...Array<number>(15).fill(0)], startMs: t10, stepS: 30, offsetMin: 480, block: 600, sliding: 600,
    },
    { name: 'an empty series has no demand', samples: [], startMs: t10, stepS: 60, offsetMin: 480, block: 0, sliding: 0 },
  ];
  for (const r of rows) {
    it(r.name, () => {
      expect(peakBlockKw(r.samples, r.startMs, r.stepS, r.offsetMin)).toBeCloseTo(r.block, 9);
      expect(peakSlidingKw(r.samples, r.startMs, r.stepS)).toBeCloseTo(r.sliding, 9);
    });
  }
  it('refuses a NaN sample instead of reading it as 0', () => {
    expect(() => peakBlockKw([1, NaN], t10, 60, 480)).toThrow(/demand samples\[1\] must be a finite number, got NaN/);
  });
});
