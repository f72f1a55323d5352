import { describe, expect, it } from 'vitest';
import {
  LoadModel,
  PvModel,
  SeededRandom,
  deriveSeed,
  hashUnit,
  loadBdewProfile,
  loadTmy3Weather,
  type LoadModelOptions,
} from '../../simulators/models/index.js';

const TZ = 'Asia/Shanghai';
const START = Date.parse('2025-07-15T00:00:00+08:00');

const noisyLoad = (seed: number, id = 'base', extra: Partial<LoadModelOptions> = {}): LoadModel =>
  new LoadModel({ id, timezone: TZ, startMs: START, profile: { bdew: loadBdewProfile('g25'), annualKwh: 1_000_000 }, noise: { pct: 10, seed }, ...extra });

function dayOfSteps(model: { step(dtS: number): number }, dtS: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < 86_400; t += dtS) out.push(model.step(dtS));
  return out;
}

describe('seeded randomness', () => {
  it('derives independent streams per asset id and replays a stream exactly', () => {
    expect(deriveSeed(42, 'a')).toBe(deriveSeed(42, 'a'));
    expect(deriveSeed(42, 'a')).not.toBe(deriveSeed(42, 'b'));
    expect(deriveSeed(42, 'a')).not.toBe(deriveSeed(43, 'a'));
    const a = new SeededRandom(5);
    const b = new SeededRandom(5);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // roughly uniform: mean of 1000 draws within 0.05 of 0.5
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / 1000 - 0.5)).toBeLessThan(0.05);
    expect(hashUnit(1, 2 ** 40)).not.toBe(hashUnit(1, 0));
  });

  it('same seed → bit-identical load over a day of steps; another seed differs', () => {
    const a = dayOfSteps(noisyLoad(1), 60);
    const b = dayOfSteps(noisyLoad(1), 60);
    expect(b).toEqual(a);
    expect(dayOfSteps(noisyLoad(2), 60)).not.toEqual(a);
  });

  it('noise is held per interval, so the energy does not depend on the step size', () => {
    const coarse = noisyLoad(3);
    const fine = noisyLoad(3);
    dayOfSteps(coarse, 900);
    dayOfSteps(fine, 7.5);
    expect(coarse.energyImportKwh()).toBeCloseTo(fine.energyImportKwh(), 9);
    const plain = new LoadModel({ id: 'base', timezone: TZ, startMs: START, profile: { bdew: loadBdewProfile('g25'), annualKwh: 1_000_000 } });
    dayOfSteps(plain, 900);
    // ±10 % noise around the profile: within 10 %, and not identical
    expect(Math.abs(coarse.energyImportKwh() / plain.energyImportKwh() - 1)).toBeLessThan(0.1);
    expect(coarse.energyImportKwh()).not.toBe(plain.energyImportKwh());
  });

  it('a load\'s noise depends on its own id only, not on which other assets exist', () => {
    const alone = dayOfSteps(noisyLoad(9, 'line1'), 300);
    const other = noisyLoad(9, 'line2');
    const withOther = noisyLoad(9, 'line1');
    const out: number[] = [];
    for (let t = 0; t < 86_400; t += 300) {
      other.step(300);
      out.push(withOther.step(300));
    }
    expect(out).toEqual(alone);
  });
});

describe('load step events', () => {
  it('adds deltaKw from `at` for durationS, exactly across step boundaries, never below 0', () => {
    const load = new LoadModel({
      id: 'fixed', timezone: TZ, startMs: 0, profile: { constantKw: 100 },
      steps: [{ at: 90_000, deltaKw: 50, durationS: 60 }, { at: 300_000, deltaKw: -500 }],
    });
    expect(load.step(60)).toBe(100);
    // 30 s at 100 then 30 s at 150
    expect(load.step(60)).toBe(125);
    expect(load.powerKw()).toBe(150);
    expect(load.step(60)).toBe(125);
    load.step(120);
    expect(load.powerKw()).toBe(0);
    expect(() => new LoadModel({ id: 'x', timezone: TZ, startMs: 0, profile: { constantKw: 1 }, steps: [{ at: 0, deltaKw: Number.NaN }], field: 'assets[4]' }))
      .toThrow(/assets\[4\]\.steps\[0\]\.deltaKw must be a finite number, got NaN/);
    expect(() => noisyLoad(1, 'x', { noise: { pct: 150, seed: 1 } })).toThrow(/load\.noise\.pct must be within \[0, 100\], got 150/);
  });
});

describe('PV curtailment (WMaxLimPct)', () => {
  const weather = loadTmy3Weather('tmy3-723170');
  const noon = Date.parse('2025-06-10T12:30:00+08:00');

  it('caps AC output to pct % of acKw and returns to 100 % when the revert timer runs out', () => {
    const pv = new PvModel({ id: 'roof', timezone: TZ, startMs: noon, kwp: 100, acKw: 80, weather });
    const available = pv.powerKw();
    expect(available).toBeLessThan(-40);
    pv.setLimitPct(50, 60);
    expect(pv.powerKw()).toBe(-40);
    expect(pv.limitPct()).toBe(50);
    expect(pv.step(30)).toBe(-40);
    // 30 s at 40 kW, then the revert lifts the limit
    expect(pv.step(60)).toBeCloseTo((-40 * 30 + available * 30) / 60, 9);
    expect(pv.reverted()).toBe(true);
    expect(pv.limitPct()).toBe(100);
    expect(() => pv.setLimitPct(101)).toThrow(/roof: limitPct must be within \[0, 100\], got 101/);
  });

  it('clips at acKw when the inverter is smaller than the array', () => {
    const pv = new PvModel({ id: 'roof', timezone: TZ, startMs: noon, kwp: 100, acKw: 60, weather, derate: 1, tempCoeffPerC: 0 });
    expect(pv.powerKw()).toBe(-60);
  });

  it('ramps the limit after the response delay; energy integrates min(available, limit) exactly', () => {
    const pv = new PvModel({ id: 'roof', timezone: TZ, startMs: noon, kwp: 100, weather, responseDelayS: 2, rampKwPerS: 10 });
    const avail = -pv.powerKw();
    pv.setLimitPct(0);
    // 2 s at full output, then the limit ramps down from 100 kW at 10 kW/s: it meets avail
    // after (100 − avail)/10 s and reaches 0 after 10 s
    const meet = (100 - avail) / 10;
    const expectedKwh = (avail * 2 + avail * meet + (avail * (10 - meet)) / 2) / 3600;
    pv.step(12);
    expect(pv.energyExportKwh()).toBeCloseTo(expectedKwh, 12);
    expect(pv.powerKw()).toBe(0);
  });
});

describe('load from a measured series (CONTRACTS: a value holds until the next sample)', () => {
  it('holds each sample until the next and integrates exactly across sample times', async () => {
    const { LoadModel } = await import('../../simulators/models/index.js');
    const t0 = Date.parse('2025-07-15T00:00:00+08:00');
    const load = new LoadModel({
      id: 'line2',
      timezone: 'Asia/Shanghai',
      startMs: t0,
      profile: { points: [{ atMs: t0, powerKw: 100 }, { atMs: t0 + 90_000, powerKw: 300 }, { atMs: t0 + 200_000, powerKw: 0 }] },
    });
    expect(load.powerKw()).toBe(100);
    // 0..60 s: 100 kW; 60..120 s: 30 s at 100 then 30 s at 300 → mean 200 kW.
    expect(load.step(60)).toBe(100);
    expect(load.step(60)).toBeCloseTo(200, 12);
    expect(load.powerKw()).toBe(300);
    load.step(180); // to 300 s: 80 s at 300, then 100 s at 0
    expect(load.powerKw()).toBe(0);
    expect(load.energyImportKwh()).toBeCloseTo((100 * 90 + 300 * 110) / 3600, 12);
  });

  it('rejects an empty or unordered series naming the sample', async () => {
    const { LoadModel } = await import('../../simulators/models/index.js');
    const base = { id: 'x', timezone: 'UTC', startMs: 0 };
    expect(() => new LoadModel({ ...base, profile: { points: [] } })).toThrow(/profile\.points/);
    expect(() => new LoadModel({ ...base, profile: { points: [{ atMs: 5, powerKw: 1 }, { atMs: 5, powerKw: 2 }] } })).toThrow(/points\[1\]\.atMs/);
  });
});
