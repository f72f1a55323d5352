import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { gridCarbonOf } from '../../src/api/routes/energy-report-data.js';
import {
  districtEnergyReport,
  eventPeakReduction,
  integrateEnergy,
  localDays,
  siteEnergyReport,
  type PowerSample,
  type SiteDay,
} from '../../src/mv/index.js';

/** Hand-computed expectations: each case states its arithmetic. */
const MIN = 60_000;
const H = 3_600_000;
const T0 = Date.parse('2025-07-15T00:00:00Z');
const s = (atMs: number, value: number, quality: PowerSample['quality'] = 'good'): PowerSample => ({ atMs, value, quality });

describe('integrateEnergy', () => {
  it('splits import and export, each sample holding until the next', () => {
    // 10 kW for 30 min, then -4 kW for 30 min: 5 kWh in, 2 kWh out.
    const { sums } = integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 3600, gridKw: [s(T0, 10), s(T0 + 30 * MIN, -4)] });
    expect(sums.importKwh).toBeCloseTo(5, 12);
    expect(sums.exportKwh).toBeCloseTo(2, 12);
    expect(sums.gridCoveredS).toBe(3600);
  });

  it('counts PV used on site as generation minus export, and the renewable share of consumption', () => {
    // PV generates 6 kW throughout (6 kWh). First half: grid +10, nothing exported, 3 kWh self-used,
    // load 10 + 6 = 16 kW (8 kWh). Second half: grid -4, 3 kWh generated of which 2 exported, 1 self-used,
    // load -4 + 6 = 2 kW (1 kWh). Self-consumed 4 of 6, share 4 / 9.
    const { sums } = integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 3600, gridKw: [s(T0, 10), s(T0 + 30 * MIN, -4)], pvKw: [s(T0, -6)] });
    expect(sums.pvKwh).toBeCloseTo(6, 12);
    expect(sums.selfConsumedPvKwh).toBeCloseTo(4, 12);
    expect(sums.loadKwh).toBeCloseTo(9, 12);
    const report = siteEnergyReport({ siteId: 'a', hasCarbon: false, days: [{ date: '2025-07-15', fromMs: T0, toMs: T0 + H, window: integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 3600, gridKw: [s(T0, 10), s(T0 + 30 * MIN, -4)], pvKw: [s(T0, -6)] }) }] });
    expect(report.total.renewableSharePct).toBeCloseTo((100 * 4) / 9, 10);
    expect(report.total.co2Kg).toBeNull();
  });

  it('takes battery charging out of consumption (load = grid - PV - battery)', () => {
    // Grid 20, PV -5, battery charging 8: loads draw 20 + 5 - 8 = 17 kW for 1 h.
    const { sums } = integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 3600, gridKw: [s(T0, 20)], pvKw: [s(T0, -5)], batteryKw: [s(T0, 8)] });
    expect(sums.loadKwh).toBeCloseTo(17, 12);
  });

  it('applies a time-varying carbon factor to each piece of import, and none before the series starts', () => {
    // 8 kW for 1 h; factor 0.5 for 15 min, 0.8 for 30 min, 0.2 for 15 min: 1 + 3.2 + 0.4 = 4.6 kg.
    const carbon = { kind: 'series' as const, points: [{ atMs: T0, kgPerKwh: 0.5 }, { atMs: T0 + 15 * MIN, kgPerKwh: 0.8 }, { atMs: T0 + 45 * MIN, kgPerKwh: 0.2 }] };
    const a = integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 3600, gridKw: [s(T0, 8)], carbon });
    expect(a.sums.co2Kg).toBeCloseTo(4.6, 12);
    expect(a.sums.co2UnfactoredImportKwh).toBe(0);
    // Export is not credited: -8 kW all hour adds nothing.
    expect(integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 3600, gridKw: [s(T0, -8)], carbon }).sums.co2Kg).toBe(0);
    // A series starting at 30 min: the first 4 kWh have no factor; the rest 4 kWh × 0.7.
    const late = integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 3600, gridKw: [s(T0, 8)], carbon: { kind: 'series', points: [{ atMs: T0 + 30 * MIN, kgPerKwh: 0.7 }] } });
    expect(late.sums.co2UnfactoredImportKwh).toBeCloseTo(4, 12);
    expect(late.sums.co2Kg).toBeCloseTo(2.8, 12);
    expect(integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 3600, gridKw: [s(T0, 8)], carbon: { kind: 'constant', kgPerKwh: 0.58 } }).sums.co2Kg).toBeCloseTo(8 * 0.58, 12);
  });

  it('does not fill a gap longer than the hold limit, nor count a bad sample', () => {
    // 1-min samples of 5 kW at 0, 1, 10..14 min, hold 2 min: covered [0, 3) and [10, 15) min = 480 s of 900.
    const at = [0, 1, 10, 11, 12, 13, 14].map((m) => s(T0 + m * MIN, 5));
    const w = integrateEnergy({ fromMs: T0, toMs: T0 + 15 * MIN, maxHoldS: 120, gridKw: at });
    expect(w.sums.gridCoveredS).toBe(480);
    expect(w.sums.importKwh).toBeCloseTo((5 * 480) / 3600, 12);
    const r = siteEnergyReport({ siteId: 'a', hasCarbon: false, days: [{ date: '2025-07-15', fromMs: T0, toMs: T0 + 15 * MIN, window: w }] });
    expect(r.total.coveragePct).toBeCloseTo((100 * 480) / 900, 10);
    // The block is over half covered: its mean is over the covered time, 5 kW (not diluted by the gap).
    expect(r.total.peakImportKw).toBeCloseTo(5, 10);
    // The 1-min sample marked bad holds nothing: [1, 3) min is lost too, the block is under half covered.
    const bad = at.map((p, i) => (i === 1 ? s(p.atMs, 5, 'bad') : p));
    const wb = integrateEnergy({ fromMs: T0, toMs: T0 + 15 * MIN, maxHoldS: 120, gridKw: bad });
    expect(wb.sums.gridCoveredS).toBe(360);
    const rb = siteEnergyReport({ siteId: 'a', hasCarbon: false, days: [{ date: '2025-07-15', fromMs: T0, toMs: T0 + 15 * MIN, window: wb }] });
    expect(rb.total.peakImportKw).toBeNull();
  });

  it('uses the sample in force at the window start', () => {
    // 12 kW from -30 s holds to +30 s, then 6 kW: (12 × 30 + 6 × 30) / 3600 kWh.
    const w = integrateEnergy({ fromMs: T0, toMs: T0 + MIN, maxHoldS: 60, gridKw: [s(T0 - 30_000, 12), s(T0 + 30_000, 6)] });
    expect(w.sums.importKwh).toBeCloseTo(0.15, 12);
    expect(w.sums.gridCoveredS).toBe(60);
  });

  it('refuses samples out of order, naming the field', () => {
    expect(() => integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 60, gridKw: [s(T0, 1), s(T0, 2)] })).toThrow('mv: gridKw[1].atMs must be later than the sample before');
    expect(() => integrateEnergy({ fromMs: T0, toMs: T0, maxHoldS: 60, gridKw: [] })).toThrow('mv: toMs must be after fromMs');
    expect(() => integrateEnergy({ fromMs: T0, toMs: T0 + H, maxHoldS: 60, gridKw: [], carbon: { kind: 'constant', kgPerKwh: -1 } })).toThrow('mv: carbon.kgPerKwh must be >= 0, got -1');
  });
});

describe('peaks', () => {
  it('takes the clock-aligned 15-min mean, and the batteries-idle counterfactual for the reduction', () => {
    // Grid 100 kW for 10 min, 400 for 5, then 200. Block 1: (100×10 + 400×5)/15 = 200; block 2: 200.
    // Battery discharging 200 kW from 10 min: idle, the grid would draw 600 then 400:
    // block 1 (100×10 + 600×5)/15 = 266.67, block 2 400. Reduction 400 − 200.
    const w = integrateEnergy({
      fromMs: T0,
      toMs: T0 + 30 * MIN,
      maxHoldS: 3600,
      gridKw: [s(T0, 100), s(T0 + 10 * MIN, 400), s(T0 + 15 * MIN, 200)],
      batteryKw: [s(T0, 0), s(T0 + 10 * MIN, -200)],
    });
    expect(w.blocks.map((b) => b.importKwh / 0.25)).toEqual([expect.closeTo(200, 9), expect.closeTo(200, 9)]);
    const r = siteEnergyReport({ siteId: 'a', hasCarbon: false, days: [{ date: '2025-07-15', fromMs: T0, toMs: T0 + 30 * MIN, window: w }] });
    expect(r.total.peakImportKw).toBeCloseTo(200, 9);
    expect(r.total.uncontrolledPeakImportKw).toBeCloseTo(400, 9);
    expect(r.total.peakReductionKw).toBeCloseTo(200, 9);
  });

  it('gives an event the baseline peak against the metered peak over intervals with both', () => {
    expect(eventPeakReduction([500, 520, 510], [400, 380, null])).toEqual({ baselinePeakKw: 520, actualPeakKw: 400, peakReductionKw: 120, missingIntervals: 1 });
    expect(eventPeakReduction([null], [300])).toEqual({ baselinePeakKw: null, actualPeakKw: null, peakReductionKw: null, missingIntervals: 1 });
  });
});

describe('days, months and the district', () => {
  it('cuts local days in the site zone, 23 h on a spring-forward day', () => {
    const days = localDays(Date.parse('2025-03-29T00:00:00+01:00'), Date.parse('2025-04-01T00:00:00+02:00'), 'Europe/Berlin');
    expect(days.map((d) => [d.date, (d.toMs - d.fromMs) / H])).toEqual([['2025-03-29', 24], ['2025-03-30', 23], ['2025-03-31', 24]]);
    // A range starting mid-day is cut to it.
    expect(localDays(T0 + 2 * H, T0 + 3 * H, 'Asia/Shanghai')).toEqual([{ date: '2025-07-15', fromMs: T0 + 2 * H, toMs: T0 + 3 * H }]);
  });

  it('adds site days into months and totals, and sites into the district with a coincident peak', () => {
    // Site a: 10 kW all day 1 and 20 kW day 2; site b: 5 kW day 1 only, with a bump to 25 kW in block 0 of day 1.
    const tz = 'UTC';
    const d1 = Date.parse('2025-07-31T00:00:00Z');
    const d2 = d1 + 24 * H;
    const day = (date: string, fromMs: number, gridKw: PowerSample[], carbon?: number): SiteDay => ({
      date,
      fromMs,
      toMs: fromMs + 24 * H,
      window: integrateEnergy({ fromMs, toMs: fromMs + 24 * H, maxHoldS: 86_400, gridKw, ...(carbon !== undefined ? { carbon: { kind: 'constant', kgPerKwh: carbon } } : {}) }),
    });
    const a = { siteId: 'a', hasCarbon: true, days: [day('2025-07-31', d1, [s(d1, 10)], 0.5), day('2025-08-01', d2, [s(d2, 20)], 0.5)] };
    const b = { siteId: 'b', hasCarbon: false, days: [day('2025-07-31', d1, [s(d1, 25), s(d1 + 15 * MIN, 5)])] };
    expect(localDays(d1, d2 + 24 * H, tz).map((x) => x.date)).toEqual(['2025-07-31', '2025-08-01']);
    const ra = siteEnergyReport(a);
    expect(ra.days.map((r) => r.importKwh)).toEqual([240, 480]);
    expect(ra.months.map((r) => [r.period, r.importKwh])).toEqual([['2025-07', 240], ['2025-08', 480]]);
    expect(ra.total).toMatchObject({ period: 'total', importKwh: 720, co2Kg: 360, peakImportKw: 20, coveragePct: 100 });
    const district = districtEnergyReport([a, b]);
    const bKwh = 25 * 0.25 + 5 * 23.75;
    expect(district.total.importKwh).toBeCloseTo(720 + bKwh, 9);
    expect(district.days.map((r) => r.period)).toEqual(['2025-07-31', '2025-08-01']);
    expect(district.days[0]?.importKwh).toBeCloseTo(240 + bKwh, 9);
    // co2: only site a has a factor; b's import is unfactored.
    expect(district.total.co2Kg).toBeCloseTo(360, 9);
    expect(district.total.co2UnfactoredImportKwh).toBeCloseTo(bKwh, 9);
    // Coincident: day 1 block 0 is 10 + 25 = 35; day 2 only site a reports, so its blocks count (20).
    expect(district.days[0]?.peakImportKw).toBeCloseTo(35, 9);
    expect(district.total.peakImportKw).toBeCloseTo(35, 9);
  });
});

describe('config carbon', () => {
  const SITE = (carbon: string) => `
sites:
  - id: plant-1
    timezone: Asia/Shanghai
    gridImportLimitKw: 800
    carbon: ${carbon}
    assets:
      - {id: grid, type: meter, binding: "modbus://127.0.0.1:1502/1"}
`;
  const problems = (text: string, file: string): string[] => {
    try {
      parseConfig(text, file);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).lines();
    }
    throw new Error('expected the config to be rejected');
  };

  it('reads a constant or a time,kgPerKwh CSV next to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpp-carbon-'));
    try {
      writeFileSync(join(dir, 'carbon.csv'), 'time,kgPerKwh\n2025-07-01T00:00:00+08:00,0.62\n# comment\n2025-07-01T01:00:00+08:00,0.55\n');
      const cfg = parseConfig(SITE('{csv: carbon.csv}'), join(dir, 'site.yaml'));
      expect(gridCarbonOf(cfg.sites[0]?.planning)).toEqual({ kind: 'series', points: [{ atMs: Date.parse('2025-06-30T16:00:00Z'), kgPerKwh: 0.62 }, { atMs: Date.parse('2025-06-30T17:00:00Z'), kgPerKwh: 0.55 }] });
      expect(gridCarbonOf(parseConfig(SITE('{gridKgPerKwh: 0.58}'), join(dir, 'site.yaml')).sites[0]?.planning)).toEqual({ kind: 'constant', kgPerKwh: 0.58 });

      writeFileSync(join(dir, 'bad.csv'), 'time,kgPerKwh\n2025-07-01T00:00:00+08:00,0.62\n2025-07-01T00:00:00+08:00,-1\n');
      expect(problems(SITE('{csv: bad.csv}'), join(dir, 'site.yaml'))).toEqual([`${join(dir, 'site.yaml')}: sites[0].carbon.csv: bad.csv line 3: kgPerKwh must be a number >= 0, got "-1"`]);
      expect(problems(SITE('{csv: none.csv}'), join(dir, 'site.yaml'))[0]).toMatch(/sites\[0\]\.carbon\.csv: file not found/);
      expect(problems(SITE('{csv: carbon.csv, gridKgPerKwh: 0.5}'), join(dir, 'site.yaml'))[0]).toMatch(/sites\[0\]\.carbon: must give exactly one of gridKgPerKwh or csv/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
