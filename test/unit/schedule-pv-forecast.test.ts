import { describe, expect, it } from 'vitest';
import { VppError } from '../../src/domain/index.js';
import { cosSolarZenith, haurwitzGhiWm2, pvForecastKw } from '../../src/schedule/index.js';

const SHANGHAI = { latDeg: 31.23, lonDeg: 121.47 };

describe('clear-sky model, against values worked by hand', () => {
  it('Haurwitz: 1098·cos z·exp(−0.057/cos z), 0 below the horizon', () => {
    // cos z = 1: 1098 · e^−0.057 = 1098 · 0.944594 = 1037.16
    expect(haurwitzGhiWm2(1)).toBeCloseTo(1037.16, 2);
    // cos z = 0.5: 549 · e^−0.114 = 549 · 0.892258 = 489.85
    expect(haurwitzGhiWm2(0.5)).toBeCloseTo(489.85, 2);
    expect(haurwitzGhiWm2(0)).toBe(0);
    expect(haurwitzGhiWm2(-0.3)).toBe(0);
  });

  it('Shanghai, June solstice, solar noon: zenith = latitude − declination = 31.23° − 23.44° = 7.79°', () => {
    // Solar noon: 12:00 − 121.47°/15 (8 h 05 min 53 s) − equation of time (−1.7 min) = 03:57:36 UTC.
    const noonMs = Date.UTC(2025, 5, 21, 3, 57, 36);
    expect(Math.abs(cosSolarZenith(noonMs, SHANGHAI.latDeg, SHANGHAI.lonDeg) - Math.cos((7.79 * Math.PI) / 180))).toBeLessThan(0.002);
    // An hour either side the sun is lower (hour angle 15°), and at local midnight it is down.
    expect(cosSolarZenith(noonMs + 3_600_000, SHANGHAI.latDeg, SHANGHAI.lonDeg)).toBeLessThan(0.97);
    expect(cosSolarZenith(Date.UTC(2025, 5, 21, 16), SHANGHAI.latDeg, SHANGHAI.lonDeg)).toBeLessThan(0);
  });

  it('equator, March equinox, Greenwich: overhead at 12:07:30 UTC (equation of time −7.5 min)', () => {
    expect(cosSolarZenith(Date.UTC(2025, 2, 20, 12, 7, 30), 0, 0)).toBeGreaterThan(0.999);
    // Six hours later the sun sets: cos z ≈ 0.
    expect(Math.abs(cosSolarZenith(Date.UTC(2025, 2, 20, 18, 7, 30), 0, 0))).toBeLessThan(0.01);
  });
});

describe('pvForecastKw: weather where there is some, clear sky where there is none', () => {
  const base = { kwp: 100, ...SHANGHAI, slotS: 900 };

  it('uses the weather irradiance when a slot has it: 400 kWp × 500 W/m² = −200 kW', () => {
    const f = pvForecastKw({ ...base, kwp: 400, startMs: Date.UTC(2025, 5, 21, 3, 50), slots: 1, irradianceWm2: [500] });
    expect(f.kw).toEqual([-200]);
    expect(f.source).toEqual(['weather']);
  });

  it('falls back to clear sky for null, NaN and missing slots: about −102.7 kW at noon for 100 kWp', () => {
    // 1098 · 0.99077 · e^(−0.057/0.99077) = 1027.0 W/m² → 100 kWp gives 102.7 kW at the slot's centre.
    const f = pvForecastKw({ ...base, startMs: Date.UTC(2025, 5, 21, 3, 50), slots: 3, irradianceWm2: [null, Number.NaN] });
    expect(f.source).toEqual(['clear-sky', 'clear-sky', 'clear-sky']);
    expect(f.kw[0]).toBeCloseTo(-102.7, 0);
    expect(f.kw[0]).toBeLessThan(0);
  });

  it('is 0 (never NaN) at night, and scales with kWp and the performance ratio', () => {
    const night = pvForecastKw({ ...base, startMs: Date.UTC(2025, 5, 21, 16), slots: 4 });
    expect(night.kw).toEqual([0, 0, 0, 0]);
    const a = pvForecastKw({ ...base, startMs: Date.UTC(2025, 5, 21, 2), slots: 1 }).kw[0] ?? NaN;
    const b = pvForecastKw({ ...base, kwp: 200, performanceRatio: 0.8, startMs: Date.UTC(2025, 5, 21, 2), slots: 1 }).kw[0] ?? NaN;
    expect(b).toBeCloseTo(1.6 * a, 9);
  });

  it('refuses unusable input with a VppError naming the field', () => {
    expect(() => pvForecastKw({ ...base, kwp: -1, startMs: 0, slots: 1 })).toThrow(/pv kwp must be >= 0, got -1/);
    expect(() => pvForecastKw({ ...base, startMs: 0, slots: 1, irradianceWm2: [-5] })).toThrow(VppError);
    expect(() => pvForecastKw({ ...base, startMs: 0, slots: 1, performanceRatio: 0 })).toThrow(/performanceRatio/);
  });
});
