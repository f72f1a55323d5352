import { describe, expect, it } from 'vitest';
import { noisyForecast, perfectForecast, persistenceForecast, type SeriesPoint } from '../../src/schedule/index.js';

const T0 = Date.parse('2025-07-15T00:00:00+08:00');
const series = (startMs: number, stepS: number, values: readonly number[]): SeriesPoint[] =>
  values.map((kw, i) => ({ atMs: startMs + i * stepS * 1000, kw }));

describe('perfectForecast', () => {
  it('averages the actual series per slot and stops where the series ends', () => {
    // 30 one-minute samples 0..29 → 5-min slots: means 2, 7, 12, 17, 22, 27; slot 7 has no data.
    const out = perfectForecast(series(T0, 60, Array.from({ length: 30 }, (_, i) => i)), T0, 300, 8);
    expect(out).toEqual([2, 7, 12, 17, 22, 27]);
  });
  it('weights samples by the time they hold', () => {
    // 100 kW for 10 min then 400 kW: the 15-min slot mean is (10·100 + 5·400)/15 = 200.
    const s: SeriesPoint[] = [{ atMs: T0, kw: 100 }, { atMs: T0 + 600_000, kw: 400 }, { atMs: T0 + 900_000, kw: 0 }];
    expect(perfectForecast(s, T0, 900, 1)).toEqual([200]);
  });
});

describe('persistenceForecast', () => {
  it("takes yesterday's same time", () => {
    // Two days of quarter hours, value = day·1000 + quarter index; from day 2 00:00 → day 1's.
    const values = Array.from({ length: 192 }, (_, i) => Math.floor(i / 96) * 1000 + (i % 96));
    const out = persistenceForecast(series(T0 - 86_400_000, 900, values), T0 + 86_400_000, 900, 4);
    expect(out).toEqual([1000, 1001, 1002, 1003]);
  });
  it('falls back to the last slot of history on the first day', () => {
    const out = persistenceForecast(series(T0, 60, [10, 10, 10, 40, 40, 40]), T0 + 360_000, 180, 3);
    expect(out).toEqual([40, 40, 40]);
  });
  it('refuses a history that ends before now', () => {
    expect(() => persistenceForecast(series(T0, 60, [1, 2]), T0 + 3_600_000, 900, 2)).toThrow(/history must cover/);
  });
});

describe('noisyForecast', () => {
  const perfect = Array.from({ length: 96 }, (_, i) => 100 + i);
  it('is reproducible with a seed and stays within ±pct', () => {
    const a = noisyForecast(perfect, 10, 42);
    expect(noisyForecast(perfect, 10, 42)).toEqual(a);
    expect(noisyForecast(perfect, 10, 43)).not.toEqual(a);
    a.forEach((v, i) => {
      const p = perfect[i] ?? NaN;
      expect(Math.abs(v - p)).toBeLessThanOrEqual(0.1 * p + 1e-9);
    });
    expect(a.some((v, i) => v !== perfect[i])).toBe(true);
  });
  it('is the perfect forecast at 0 %', () => {
    expect(noisyForecast(perfect, 0, 7)).toEqual(perfect);
  });
});
