import { mulberry32 } from '../../src/domain/index.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VppError } from '../../src/domain/index.js';
import {
  BatteryModel,
  LoadModel,
  PvModel,
  SitePhysics,
  loadBdewProfile,
  loadTmy3Weather,
  parseBdewCsv,
  parseTmy3Csv,
} from '../../simulators/models/index.js';

const DATA = new URL('../../simulators/data/', import.meta.url);
const TZ = 'Asia/Shanghai';
const ms = (iso: string): number => Date.parse(iso);

/** The CSV read here independently of the code under test. */
function csvRows(file: string): string[][] {
  return readFileSync(new URL(file, DATA), 'utf8').trim().split('\n').map((l) => l.split(','));
}

const MONTHS = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];

function bdewCell(rows: string[][], month: number, type: string, quarter: number): number {
  const col = rows[0]!.findIndex((m, i) => m === MONTHS[month - 1] && rows[1]![i] === type);
  return Number(rows[quarter + 2]![col]);
}

function bdewYearTotal(rows: string[][], year: number): number {
  let total = 0;
  for (let d = new Date(Date.UTC(year, 0, 1)); d.getUTCFullYear() === year; d = new Date(d.getTime() + 86_400_000)) {
    const wd = d.getUTCDay();
    const type = wd === 6 ? 'SA' : wd === 0 ? 'FT' : 'WT';
    for (let q = 0; q < 96; q++) total += bdewCell(rows, d.getUTCMonth() + 1, type, q);
  }
  return total;
}

/** Seeded, so a failing sequence can be replayed. */
const prng = mulberry32;

describe('BDEW load', () => {
  const rows = csvRows('g25.csv');
  const total2025 = bdewYearTotal(rows, 2025);
  const make = (startIso: string, timezone = TZ): LoadModel =>
    new LoadModel({ id: 'base', timezone, startMs: ms(startIso), profile: { bdew: loadBdewProfile('g25'), annualKwh: 3_000_000 } });

  it('gives the CSV value × 4 × scale for the quarter-hour in the site zone (weekday)', () => {
    // Tuesday 2025-07-15 10:45 in Shanghai: Juli, WT, row 10:45-11:00 (quarter 43)
    const expected = bdewCell(rows, 7, 'WT', 43) * 4 * (3_000_000 / total2025);
    expect(make('2025-07-15T10:45:00+08:00').powerKw()).toBeCloseTo(expected, 9);
    // the value holds until the next sample
    expect(make('2025-07-15T10:59:59+08:00').powerKw()).toBeCloseTo(expected, 9);
    expect(make('2025-07-15T11:00:00+08:00').powerKw()).toBeCloseTo(bdewCell(rows, 7, 'WT', 44) * 4 * (3_000_000 / total2025), 9);
  });

  it('uses SA on Saturday and FT on Sunday, by the local date', () => {
    const scale = 3_000_000 / total2025;
    expect(make('2025-07-19T00:15:00+08:00').powerKw()).toBeCloseTo(bdewCell(rows, 7, 'SA', 1) * 4 * scale, 9);
    // 2025-07-19T17:00Z is Sunday 01:00 in Shanghai but still Saturday in UTC
    expect(make('2025-07-19T17:00:00Z').powerKw()).toBeCloseTo(bdewCell(rows, 7, 'FT', 4) * 4 * scale, 9);
    // the same instant in Berlin is Saturday 19:00
    expect(make('2025-07-19T17:00:00Z', 'Europe/Berlin').powerKw()).toBeCloseTo(bdewCell(rows, 7, 'SA', 76) * 4 * scale, 9);
  });

  it('sums to annualKwh over a calendar year, and averages exactly across a sample boundary', () => {
    const load = make('2025-01-01T00:00:00+08:00');
    for (let i = 0; i < 365 * 96; i++) load.step(900);
    expect(load.energyImportKwh()).toBeCloseTo(3_000_000, 3);
    const straddle = make('2025-07-15T10:50:00+08:00');
    const a = straddle.powerKw();
    const b = make('2025-07-15T11:00:00+08:00').powerKw();
    expect(straddle.step(1200)).toBeCloseTo((a * 600 + b * 600) / 1200, 9);
  });

  it('serves a constant load and rejects bad numbers naming the field', () => {
    const c = new LoadModel({ id: 'fixed', timezone: TZ, startMs: 0, profile: { constantKw: 120 } });
    expect(c.powerKw()).toBe(120);
    expect(c.step(60)).toBe(120);
    expect(() => new LoadModel({ id: 'x', timezone: TZ, startMs: 0, profile: { bdew: loadBdewProfile('h25'), annualKwh: -1 }, field: 'assets[0]' }))
      .toThrow(/assets\[0\]\.profile\.annualKwh must be > 0, got -1/);
    expect(() => new LoadModel({ id: 'x', timezone: 'Mars/Olympus', startMs: 0, profile: { constantKw: 1 } })).toThrow(VppError);
  });

  it('refuses a malformed profile file with SIM_DATA_INVALID', () => {
    const text = readFileSync(new URL('g25.csv', DATA), 'utf8').replace('15.045', 'abc');
    expect(() => parseBdewCsv(text, 'bad.csv')).toThrow(expect.objectContaining({ code: 'SIM_DATA_INVALID' }));
  });
});

describe('TMY3 PV', () => {
  const rows = csvRows('tmy3-723170.csv');
  const row = (m: number, d: number, h: number): { ghi: number; temp: number } => {
    const r = rows.find((x) => x[0] === String(m) && x[1] === String(d) && x[2] === String(h))!;
    return { ghi: Number(r[3]), temp: Number(r[6]) };
  };
  const expectedKw = (kwp: number, w: { ghi: number; temp: number }): number => {
    const cellC = w.temp + (25 / 800) * w.ghi;
    return -Math.min((w.ghi / 1000) * kwp * 0.85 * (1 - 0.004 * Math.max(0, cellC - 25)), kwp);
  };
  const make = (iso: string, kwp = 400): PvModel =>
    new PvModel({ id: 'roof', timezone: TZ, startMs: ms(iso), kwp, weather: loadTmy3Weather('tmy3-723170') });

  it('is 0 at night', () => {
    expect(make('2025-07-15T02:00:00+08:00').powerKw()).toBe(0);
    expect(make('2025-01-10T22:30:00+08:00').powerKw()).toBe(0);
  });

  it('follows the hour-ending row of the local hour (12:30 → hour_ending 13, 10:45 → 11)', () => {
    const noon = row(7, 15, 13);
    expect(noon.ghi).toBeGreaterThan(0);
    expect(make('2025-07-15T12:30:00+08:00').powerKw()).toBeCloseTo(expectedKw(400, noon), 9);
    expect(make('2025-07-15T10:45:00+08:00').powerKw()).toBeCloseTo(expectedKw(400, row(7, 15, 11)), 9);
    expect(make('2025-07-15T10:00:00+08:00').powerKw()).toBeCloseTo(expectedKw(400, row(7, 15, 11)), 9);
  });

  it('reads Feb 28 on Feb 29 and counts lifetime energy', () => {
    expect(make('2028-02-29T12:30:00+08:00').powerKw()).toBeCloseTo(expectedKw(400, row(2, 28, 13)), 9);
    const pv = make('2025-07-15T00:00:00+08:00');
    let sumKwh = 0;
    for (let h = 1; h <= 24; h++) sumKwh += -expectedKw(400, row(7, 15, h));
    for (let i = 0; i < 24 * 60; i++) pv.step(60);
    expect(pv.energyExportKwh()).toBeCloseTo(sumKwh, 9);
  });

  it('clips at the AC rating (= kWp)', () => {
    const w = row(6, 10, 13); // the year's highest GHI, 1013 W/m²
    const pv = new PvModel({ id: 'roof', timezone: TZ, startMs: ms('2025-06-10T12:30:00+08:00'), kwp: 100, weather: loadTmy3Weather('tmy3-723170'), derate: 1, tempCoeffPerC: 0 });
    expect(w.ghi).toBeGreaterThan(1000);
    expect(pv.powerKw()).toBe(-100);
  });

  it('refuses a weather file with a missing hour', () => {
    const text = readFileSync(new URL('tmy3-723170.csv', DATA), 'utf8').split('\n').filter((_, i) => i !== 100).join('\n');
    expect(() => parseTmy3Csv(text, 'short.csv')).toThrow(expect.objectContaining({ code: 'SIM_DATA_INVALID' }));
  });
});

const BESS = {
  id: 'bess', startMs: 0, capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 200, socPct: 60,
  minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.92,
} as const;

describe('battery', () => {
  it('never leaves its SoC bounds and accounts efficiency exactly, under random commands', () => {
    for (const seed of [1, 2, 3, 42, 4711]) {
      const rnd = prng(seed);
      const b = new BatteryModel(BESS);
      const start = b.energyStoredKwh();
      let acKwh = 0;
      for (let i = 0; i < 5000; i++) {
        if (rnd() < 0.3) b.command((rnd() * 2 - 1) * 600, rnd() < 0.3 ? Math.floor(rnd() * 120) : null);
        const dtS = rnd() < 0.5 ? 1 : rnd() * 900;
        acKwh += (b.step(dtS) * dtS) / 3600;
        expect(b.socPct()).toBeGreaterThanOrEqual(10);
        expect(b.socPct()).toBeLessThanOrEqual(95);
      }
      const expectedStored = start + b.energyChargedKwh() * 0.95 - b.energyDischargedKwh() / 0.92;
      expect(Math.abs(b.energyStoredKwh() - expectedStored)).toBeLessThan(1e-9);
      expect(Math.abs(acKwh - (b.energyChargedKwh() - b.energyDischargedKwh()))).toBeLessThan(1e-9);
      expect(b.energyChargedKwh()).toBeGreaterThan(0);
      expect(b.energyDischargedKwh()).toBeGreaterThan(0);
    }
  });

  it('clamps to power limits and stops at the bound', () => {
    const b = new BatteryModel(BESS);
    b.command(1000);
    expect(b.powerKw()).toBe(250);
    b.command(-1000);
    expect(b.powerKw()).toBe(-200);
    // 250 kWh above the floor, delivered at 0.92: 230 kWh AC, i.e. 69 min at 200 kW
    for (let i = 0; i < 2 * 3600; i++) b.step(1);
    expect(b.socPct()).toBe(10);
    expect(b.powerKw()).toBe(0);
    expect(b.energyDischargedKwh()).toBeCloseTo(250 * 0.92, 9);
  });

  it('falls back to idle when its revert time passes without a new command', () => {
    const b = new BatteryModel(BESS);
    b.command(-100, 10);
    expect(b.step(5)).toBe(-100);
    b.command(-100, 10); // fresh write restarts the timer
    expect(b.step(9)).toBe(-100);
    expect(b.reverted()).toBe(false);
    expect(b.step(2)).toBeCloseTo(-50, 12); // 1 s at -100, then idle
    expect(b.reverted()).toBe(true);
    expect(b.powerKw()).toBe(0);
    expect(b.commandedKw()).toBe(0);
    b.command(50, 0); // 0 = no revert
    b.step(3600);
    expect(b.powerKw()).toBe(50);
  });

  it('rejects impossible settings naming the field', () => {
    expect(() => new BatteryModel({ ...BESS, socPct: 5, field: 'assets[2]' })).toThrow(/assets\[2\]\.socPct must be within \[10, 95\], got 5/);
    expect(() => new BatteryModel({ ...BESS, chargeEfficiency: 0 })).toThrow(expect.objectContaining({ code: 'SIM_OPTION_INVALID' }));
    expect(() => new BatteryModel(BESS).command(Number.NaN)).toThrow(VppError);
  });
});

describe('site meter', () => {
  it('reads the sum of the asset powers and integrates it into import and export registers', () => {
    const startMs = ms('2025-07-15T00:00:00+08:00');
    const load = new LoadModel({ id: 'base', timezone: TZ, startMs, profile: { bdew: loadBdewProfile('g25'), annualKwh: 300_000 } });
    const pv = new PvModel({ id: 'roof', timezone: TZ, startMs, kwp: 150, weather: loadTmy3Weather('tmy3-723170') });
    const bess = new BatteryModel({ ...BESS, startMs });
    const site = new SitePhysics(startMs, [load, pv, bess]);
    const rnd = prng(7);
    let importKwh = 0;
    let exportKwh = 0;
    for (let i = 0; i < 24 * 60; i++) {
      expect(site.gridKw()).toBeCloseTo(load.powerKw() + pv.powerKw() + bess.powerKw(), 12);
      if (i % 15 === 0) bess.command((rnd() * 2 - 1) * 250);
      const dtS = 30 + rnd() * 60;
      site.step(dtS);
      const gridKw = site.meter.lastStepGridKw();
      if (gridKw > 0) importKwh += (gridKw * dtS) / 3600;
      else exportKwh -= (gridKw * dtS) / 3600;
    }
    expect(exportKwh).toBeGreaterThan(0); // 150 kWp against a ~35 kW load exports at midday: both registers are exercised
    expect(site.meter.energyImportKwh()).toBeCloseTo(importKwh, 9);
    expect(site.meter.energyExportKwh()).toBeCloseTo(exportKwh, 9);
    // energy balance: net grid energy = what the assets drew
    const netKwh = load.energyImportKwh() - pv.energyExportKwh() + bess.energyChargedKwh() - bess.energyDischargedKwh();
    expect(site.meter.energyImportKwh() - site.meter.energyExportKwh()).toBeCloseTo(netKwh, 6);
    expect(site.nowMs()).toBe(load.nowMs());
  });
});
