import { describe, expect, it } from 'vitest';
import { BatteryModel, SeededRandom, type BatteryModelOptions } from '../../simulators/models/index.js';

const BESS: BatteryModelOptions = {
  id: 'bess', startMs: 0, capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 200, socPct: 50,
  minSocPct: 10, maxSocPct: 90, chargeEfficiency: 0.95, dischargeEfficiency: 0.92,
};

describe('battery taper', () => {
  it('limits power linearly to 0 at the bound within taperPct of it', () => {
    // taper 10 points of 500 kWh = 50 kWh; at 85 % the room to 90 % is 25 kWh: half power
    const b = new BatteryModel({ ...BESS, socPct: 85, taperPct: 10 });
    b.command(1000);
    expect(b.powerKw()).toBeCloseTo(125, 9);
    expect(b.availableChargeKw()).toBeCloseTo(125, 9);
    expect(b.availableDischargeKw()).toBe(200);
    // a command below the taper limit passes unchanged
    b.command(100);
    expect(b.powerKw()).toBe(100);
    const low = new BatteryModel({ ...BESS, socPct: 12, taperPct: 10 });
    low.command(-1000);
    expect(low.powerKw()).toBeCloseTo(-200 * (10 / 50), 9);
    // no taper: full power right up to the bound
    const plain = new BatteryModel({ ...BESS, socPct: 89.9 });
    plain.command(1000);
    expect(plain.powerKw()).toBe(250);
  });

  it('integrates the taper exactly: one long step equals many short ones, and the bound is never crossed', () => {
    const coarse = new BatteryModel({ ...BESS, socPct: 70, taperPct: 10 });
    const fine = new BatteryModel({ ...BESS, socPct: 70, taperPct: 10 });
    coarse.command(200);
    fine.command(200);
    coarse.step(3 * 3600);
    for (let i = 0; i < 3 * 3600; i++) fine.step(1);
    expect(coarse.energyStoredKwh()).toBeCloseTo(fine.energyStoredKwh(), 9);
    expect(coarse.energyChargedKwh()).toBeCloseTo(fine.energyChargedKwh(), 9);
    // analytic: 200 kW reaches the knee (room = 200/250 × 50 = 40 kWh) from room 100 kWh,
    // then room decays as e^(−0.95 × 250 / 50 × t)
    const tKneeH = (100 - 40) / (200 * 0.95);
    const room = 40 * Math.exp(-((0.95 * 250) / 50) * (3 - tKneeH));
    expect(coarse.energyStoredKwh()).toBeCloseTo(450 - room, 9);
    expect(coarse.socPct()).toBeLessThan(90);
    expect(coarse.powerKw()).toBeCloseTo((250 * room) / 50, 9);
  });

  it('tapers discharge towards the floor the same way', () => {
    const b = new BatteryModel({ ...BESS, socPct: 20, taperPct: 5 });
    b.command(-200);
    b.step(24 * 3600);
    expect(b.socPct()).toBeGreaterThanOrEqual(10);
    expect(b.socPct()).toBeCloseTo(10, 9);
    const delivered = b.energyDischargedKwh();
    expect(delivered).toBeCloseTo((100 - 50) * 0.92, 6);
  });
});

describe('battery fallback on revert', () => {
  const run = (fallback: BatteryModelOptions['fallback'], commandKw: number): BatteryModel => {
    const b = new BatteryModel({ ...BESS, fallback });
    b.command(commandKw, 60);
    b.step(59);
    expect(b.reverted()).toBe(false);
    expect(b.powerKw()).toBe(Math.max(-200, Math.min(250, commandKw)));
    b.step(1);
    expect(b.reverted()).toBe(true);
    return b;
  };

  it('idles by default', () => {
    const b = run(undefined, -150);
    expect(b.powerKw()).toBe(0);
    expect(b.commandedKw()).toBe(0);
  });

  it('goes to a fixed power (704 WSet revert value)', () => {
    const b = run({ kind: 'powerKw', powerKw: 30 }, -150);
    expect(b.powerKw()).toBe(30);
    expect(b.step(60)).toBe(30);
  });

  it('keeps the command limited to pct % of the ratings (704 WMaxLimPct revert value)', () => {
    expect(run({ kind: 'limitPct', pct: 40 }, -150).powerKw()).toBe(-80);
    expect(run({ kind: 'limitPct', pct: 40 }, 180).powerKw()).toBe(100);
    expect(run({ kind: 'limitPct', pct: 40 }, 20).powerKw()).toBe(20);
  });

  it('a fresh command before expiry restarts the timer; a revert inside a step splits it', () => {
    const b = new BatteryModel({ ...BESS, fallback: { kind: 'powerKw', powerKw: 50 } });
    b.command(-100, 10);
    b.step(8);
    b.command(-100, 10);
    expect(b.step(8)).toBe(-100);
    expect(b.step(4)).toBeCloseTo((-100 * 2 + 50 * 2) / 4, 12);
    expect(b.reverted()).toBe(true);
  });

  it('refuses a bad fallback or taper naming the field', () => {
    expect(() => new BatteryModel({ ...BESS, fallback: { kind: 'limitPct', pct: 120 }, field: 'assets[1]' })).toThrow(/assets\[1\]\.fallback\.pct must be within \[0, 100\], got 120/);
    expect(() => new BatteryModel({ ...BESS, fallback: { kind: 'off' } as unknown as BatteryModelOptions['fallback'] })).toThrow(/battery\.fallback\.kind must be idle, powerKw or limitPct, got "off"/);
    expect(() => new BatteryModel({ ...BESS, taperPct: -1 })).toThrow(expect.objectContaining({ code: 'SIM_OPTION_INVALID' }));
    expect(() => new BatteryModel({ ...BESS, rampKwPerS: Number.NaN })).toThrow(/rampKwPerS must be a finite number, got NaN/);
  });
});

describe('battery bounds and energy balance under random commands, taper, delay and ramp', () => {
  it('never leaves [minSocPct, maxSocPct] and closes charged × ηc − discharged / ηd = ΔE', () => {
    for (const seed of [1, 7, 99]) {
      const rnd = new SeededRandom(seed);
      const b = new BatteryModel({ ...BESS, taperPct: rnd.between(0, 15), responseDelayS: rnd.between(0, 2), rampKwPerS: rnd.between(0, 100) });
      const start = b.energyStoredKwh();
      let acKwh = 0;
      for (let i = 0; i < 5000; i++) {
        if (rnd.next() < 0.3) b.command(rnd.between(-600, 600), rnd.next() < 0.3 ? Math.floor(rnd.between(0, 120)) : null);
        const dtS = rnd.next() < 0.5 ? 1 : rnd.between(0, 900);
        acKwh += (b.step(dtS) * dtS) / 3600;
        expect(b.socPct()).toBeGreaterThanOrEqual(10);
        expect(b.socPct()).toBeLessThanOrEqual(90);
      }
      const delta = b.energyChargedKwh() * 0.95 - b.energyDischargedKwh() / 0.92;
      expect(Math.abs(b.energyStoredKwh() - start - delta)).toBeLessThan(1e-9 * (b.energyChargedKwh() + b.energyDischargedKwh()));
      expect(Math.abs(acKwh - (b.energyChargedKwh() - b.energyDischargedKwh()))).toBeLessThan(1e-9 * (b.energyChargedKwh() + b.energyDischargedKwh()));
    }
  });
});
