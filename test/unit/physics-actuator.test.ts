import { describe, expect, it } from 'vitest';
import { Actuator, BatteryModel, LaggedSignal, LoadModel, SitePhysics } from '../../simulators/models/index.js';

const BESS = {
  id: 'bess', startMs: 0, capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250, socPct: 50,
  minSocPct: 10, maxSocPct: 90, chargeEfficiency: 0.95, dischargeEfficiency: 0.95,
} as const;

describe('Actuator', () => {
  it('without delay and ramp jumps at once (today\'s behaviour)', () => {
    const a = new Actuator(0, 0);
    a.command(10);
    expect(a.output()).toBe(10);
    expect(a.advance(5)).toEqual([{ startMs: 0, durationS: 5, fromValue: 10, toValue: 10 }]);
  });

  it('follows a command responseDelayS later, then moves at rampPerS', () => {
    const a = new Actuator(0, 0, { responseDelayS: 2, rampPerS: 5 });
    a.command(20);
    expect(a.output()).toBe(0);
    expect(a.target()).toBe(0);
    expect(a.latestTarget()).toBe(20);
    const segs = a.advance(10);
    // 2 s waiting at 0, 4 s ramping 0 → 20, 4 s at 20
    expect(segs).toEqual([
      { startMs: 0, durationS: 2, fromValue: 0, toValue: 0 },
      { startMs: 2000, durationS: 4, fromValue: 0, toValue: 20 },
      { startMs: 6000, durationS: 4, fromValue: 20, toValue: 20 },
    ]);
    expect(a.output()).toBe(20);
  });

  it('gives the same path however the time is stepped', () => {
    const coarse = new Actuator(0, 0, { responseDelayS: 0.5, rampPerS: 3 });
    const fine = new Actuator(0, 0, { responseDelayS: 0.5, rampPerS: 3 });
    coarse.command(-7);
    fine.command(-7);
    coarse.advance(1.5);
    for (let i = 0; i < 15; i++) fine.advance(0.1);
    expect(coarse.output()).toBeCloseTo(-3, 12);
    expect(fine.output()).toBeCloseTo(-3, 12);
  });

  it('lets the owner cancel a tagged target (a revert superseded by a new command)', () => {
    const a = new Actuator(0, 5);
    a.schedule(0, 10_000, 'revert');
    a.cancel('revert');
    a.advance(20);
    expect(a.output()).toBe(5);
    expect(() => a.schedule(1, 0, 'x')).toThrow(/atMs must be >= now/);
    expect(() => new Actuator(0, 0, { rampPerS: -1 }, 'assets[3]')).toThrow(/assets\[3\]\.rampPerS must be >= 0, got -1/);
  });
});

describe('battery response delay and ramp', () => {
  it('takes effect after the delay and ramps; energy is booked at the ramp\'s mean', () => {
    const b = new BatteryModel({ ...BESS, responseDelayS: 1, rampKwPerS: 50 });
    b.command(200);
    expect(b.powerKw()).toBe(0);
    expect(b.commandedKw()).toBe(0);
    // 1 s at 0, 4 s ramp 0 → 200 (mean 100), 5 s at 200: (0 + 400 + 1000) / 10
    expect(b.step(10)).toBeCloseTo(140, 12);
    expect(b.powerKw()).toBe(200);
    expect(b.energyChargedKwh()).toBeCloseTo(1400 / 3600, 12);
  });

  it('ramps down to the fallback when the revert timer runs out', () => {
    const b = new BatteryModel({ ...BESS, rampKwPerS: 100 });
    b.command(-100, 5);
    b.step(5);
    expect(b.reverted()).toBe(true);
    expect(b.commandedKw()).toBe(0);
    expect(b.powerKw()).toBe(-100);
    expect(b.step(1)).toBeCloseTo(-50, 12);
    expect(b.powerKw()).toBe(0);
  });
});

describe('meter measurement lag', () => {
  it('reports the grid power of lagS ago, a step change shows up whole and late', () => {
    const s = new LaggedSignal(3);
    s.record(0, 1);
    s.record(2000, 5);
    expect(s.read(2000)).toBe(1);
    expect(s.read(4999)).toBe(1);
    expect(s.read(5000)).toBe(5);
    expect(new LaggedSignal(1).read(0)).toBeNaN();
  });

  it('SitePhysics reads the meter late by measurementLagS, the registers are not lagged', () => {
    const load = new LoadModel({ id: 'l', timezone: 'UTC', startMs: 0, profile: { constantKw: 10 }, steps: [{ at: 10_000, deltaKw: 5 }] });
    const site = new SitePhysics(0, [load], { measurementLagS: 4 });
    const readings: number[] = [];
    for (let i = 0; i < 16; i++) {
      site.step(1);
      readings.push(site.meterReadingKw());
    }
    // at t = 1..16: power is 15 from t = 10 on; the meter shows it from t = 14
    expect(readings).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 15, 15, 15]);
    expect(site.gridKw()).toBe(15);
    expect(site.meter.energyImportKwh()).toBeCloseTo((10 * 10 + 15 * 6) / 3600, 12);
    const plain = new SitePhysics(0, [new LoadModel({ id: 'c', timezone: 'UTC', startMs: 0, profile: { constantKw: 3 } })]);
    expect(plain.meterReadingKw()).toBe(3);
    expect(() => new SitePhysics(0, [], { measurementLagS: -1 })).toThrow(/measurementLagS must be >= 0, got -1/);
  });
});
