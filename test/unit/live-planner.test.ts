import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type ConfiguredSite } from '../../src/config/index.js';
import { summariseSite } from '../../src/core/index.js';
import type { AssetState, DrSignal, Reading, SiteState } from '../../src/domain/index.js';
import { createLivePlanner, type LivePlanner, type LivePlannerOptions } from '../../src/runtime/live-planner.js';
import { MonthPeak } from '../../src/runtime/month-peak.js';
import { openStore, type TimeSeriesStore } from '../../src/store/index.js';
import type { Plan } from '../../src/schedule/index.js';

/**
 * The live planner with real HiGHS solves and a real (SQLite) store: when it re-plans, what it
 * keeps when planning fails, when a plan is too old to follow, and the month's peak as the floor.
 */
const site = (extra: string) => `
sites:
  - id: plant-1
    timezone: Asia/Shanghai
    gridImportLimitKw: 600
    tariff:
      import: [{from: "00:00", to: "06:00", pricePerKwh: 0.3}, {from: "06:00", to: "08:00", pricePerKwh: 0.7},
               {from: "08:00", to: "11:00", pricePerKwh: 1.2}, {from: "11:00", to: "18:00", pricePerKwh: 0.7},
               {from: "18:00", to: "21:00", pricePerKwh: 1.2}, {from: "21:00", to: "22:00", pricePerKwh: 0.7},
               {from: "22:00", to: "24:00", pricePerKwh: 0.3}]
      demandChargePerKw: 40
${extra}
    assets:
      - {id: grid, type: meter, binding: modbus://127.0.0.1:1502/1}
      - {id: roof, type: pv, kwp: 200, binding: modbus://127.0.0.1:1502/3}
      - {id: bess, type: battery, capacityKwh: 200, maxChargeKw: 100, maxDischargeKw: 100, binding: modbus://127.0.0.1:1502/4}
`;
const PROFILE = `    location: {latDeg: 31.23, lonDeg: 121.47}
    forecast: {load: {bdew: g25, annualKwh: 1500000}}`;
const configured = (text: string): ConfiguredSite => {
  const cs = parseConfig(text, 'planner.yaml').sites[0];
  if (cs === undefined) throw new Error('no site');
  return cs;
};

const T0 = Date.parse('2025-07-15T10:50:00+08:00');
const MIN = 60_000;
const good = (value: number, atMs: number): Reading => ({ value, quality: 'good', atMs });
function stateOf(cs: ConfiguredSite, socPct: number, atMs: number): SiteState {
  const assets: Record<string, AssetState> = {
    grid: { assetId: 'grid', kind: 'meter', readings: { powerKw: good(300, atMs) }, available: true },
    roof: { assetId: 'roof', kind: 'pv', readings: { powerKw: good(-80, atMs) }, available: true },
    bess: { assetId: 'bess', kind: 'battery', readings: { powerKw: good(0, atMs), socPct: good(socPct, atMs) }, available: true },
  };
  return summariseSite(cs.site, assets, atMs);
}

let dir: string;
let store: TimeSeriesStore;
let logs: Array<Record<string, unknown>>;
/** Each planner solves in a worker thread of its own: closed after each test. */
const planners: LivePlanner[] = [];
const log = () => pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-planner-'));
  store = await openStore({ kind: 'sqlite', dataDir: dir });
  logs = [];
});
afterEach(async () => {
  await Promise.all(planners.splice(0).map((p) => p.close()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function planner(cs: ConfiguredSite, over: Partial<LivePlannerOptions> = {}) {
  const p = createLivePlanner({ sites: [cs], store, log: log(), historyFromMs: T0 - 40 * 86_400_000, ...over });
  planners.push(p);
  return p;
}

describe('live planner', () => {
  it('plans from the measured SoC at start, then again each quarter hour and when signals or batteries change', async () => {
    const cs = configured(site(PROFILE));
    let signals: DrSignal[] = [];
    const p = planner(cs, { signals: () => signals });
    expect(p.siteIds).toEqual(new Set(['plant-1']));
    // The first cycle starts the plan and does not wait for it.
    expect(p.planFor(cs.site, stateOf(cs, 40, T0), T0)).toBeUndefined();
    await p.settled();
    const first = p.planFor(cs.site, stateOf(cs, 40, T0 + 1000), T0 + 1000);
    expect(first).toBeDefined();
    expect(first?.startMs).toBe(Date.parse('2025-07-15T10:45:00+08:00'));
    expect(first?.gridKw).toHaveLength(96);
    // The SoC path starts where the battery is (40 %): slot 0 ends within one slot's energy of it.
    expect(Math.abs((first?.socPct.bess?.[0] ?? NaN) - 40)).toBeLessThanOrEqual((100 * 0.25 * 100) / 200 + 1e-6);
    // Same quarter, nothing changed: the same plan, no solve under way.
    expect(p.planFor(cs.site, stateOf(cs, 41, T0 + 5 * MIN), T0 + 5 * MIN)).toBe(first);
    await p.settled();
    expect(p.planFor(cs.site, stateOf(cs, 41, T0 + 5 * MIN), T0 + 5 * MIN)).toBe(first);
    // A new quarter hour (11:00): a new plan from the SoC measured then.
    p.planFor(cs.site, stateOf(cs, 45, T0 + 10 * MIN), T0 + 10 * MIN);
    await p.settled();
    const second = p.planFor(cs.site, stateOf(cs, 45, T0 + 10 * MIN), T0 + 10 * MIN);
    expect(second?.startMs).toBe(Date.parse('2025-07-15T11:00:00+08:00'));
    // A PRICE signal starts: re-planned at once, within the quarter.
    signals = [{ type: 'PRICE', pricePerKwh: 5, eventId: 'p1' }];
    p.planFor(cs.site, stateOf(cs, 45, T0 + 11 * MIN), T0 + 11 * MIN);
    await p.settled();
    const third = p.planFor(cs.site, stateOf(cs, 45, T0 + 11 * MIN), T0 + 11 * MIN);
    expect(third).not.toBe(second);
    // Planned with 5 /kWh for the current slot: a dearer plan than the one before.
    expect(third?.objective).toBeGreaterThan(second?.objective ?? Infinity);
    // The battery's SoC turns bad: it is not planned with; the plan changes with it.
    const noBattery = { ...cs.site, assets: cs.site.assets.filter((a) => a.kind !== 'battery') };
    expect(p.planFor(noBattery, stateOf(cs, 45, T0 + 12 * MIN), T0 + 12 * MIN)).toBe(third);
    await p.settled();
    expect(logs.filter((l) => l.msg === 'site re-planned')).toHaveLength(3);
    expect(logs[0]).toMatchObject({ site: 'plant-1', forecast: 'profile g25', batteries: ['bess'] });
  }, 30_000);

  it('keeps the last plan when planning fails (logged once), and drops it after 30 minutes', async () => {
    const cs = configured(site(PROFILE));
    let broken = false;
    const flaky = { queryMetric: (q: Parameters<TimeSeriesStore['queryMetric']>[0]) => (broken ? Promise.reject(new Error('store down')) : store.queryMetric(q)) };
    const p = planner(cs, { store: flaky });
    p.planFor(cs.site, stateOf(cs, 50, T0), T0);
    await p.settled();
    const made = p.planFor(cs.site, stateOf(cs, 50, T0), T0);
    expect(made).toBeDefined();
    broken = true;
    for (const atMs of [T0 + 10 * MIN, T0 + 12 * MIN, T0 + 14 * MIN]) {
      expect(p.planFor(cs.site, stateOf(cs, 50, atMs), atMs)).toBe(made);
      await p.settled();
    }
    const failures = logs.filter((l) => l.msg === 'planning failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ site: 'plant-1', err: 'store down', keeping: 'the last plan' });
    // 31 minutes after it was made the plan is dropped: the loop runs peak shaving.
    expect(p.planFor(cs.site, stateOf(cs, 50, T0 + 31 * MIN), T0 + 31 * MIN)).toBeUndefined();
    await p.settled();
    expect(logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('plan older than'))).toHaveLength(1);
  }, 30_000);

  it('has no plan without a forecast to plan on: persistence with no history, PV without a location', async () => {
    const persistence = configured(site('    forecast: {load: persistence}'));
    const p = planner(persistence);
    p.planFor(persistence.site, stateOf(persistence, 50, T0), T0);
    await p.settled();
    expect(p.planFor(persistence.site, stateOf(persistence, 50, T0), T0)).toBeUndefined();
    expect(logs.find((l) => l.msg === 'planning failed')?.err).toMatch(/^no load forecast: persistence: schedule: history must cover/);
    const noLocation = configured(site('    forecast: {load: {bdew: g25, annualKwh: 1500000}}'));
    logs = [];
    const q = createLivePlanner({ sites: [noLocation], store, log: log() });
    planners.push(q);
    q.planFor(noLocation.site, stateOf(noLocation, 50, T0), T0);
    await q.settled();
    expect(logs.find((l) => l.msg === 'planning failed')?.err).toBe('no load forecast: the site has 200 kWp of PV and no location: no PV forecast');
  }, 30_000);

  it('plans by persistence of the metered base (grid − batteries), and on the profile where history is missing', async () => {
    const cs = configured(site(`    location: {latDeg: 31.23, lonDeg: 121.47}
    forecast: {load: persistence, fallback: {bdew: g25, annualKwh: 1500000}}`));
    // Yesterday 10:45-11:45 metered: grid 350 kW while the battery discharged 50 kW: base 400.
    const from = T0 - 86_400_000 - 5 * MIN;
    const points = Array.from({ length: 60 }, (_, i) => from + i * MIN);
    store.writeMetrics(points.flatMap((atMs) => [
      { siteId: 'plant-1', metric: 'gridPowerKw', atMs, value: 350, quality: 'good' as const },
      { siteId: 'plant-1', metric: 'batteryPowerKw', atMs, value: -50, quality: 'good' as const },
    ]));
    await store.flush();
    const p = planner(cs);
    p.planFor(cs.site, stateOf(cs, 50, T0), T0);
    await p.settled();
    const plan = p.planFor(cs.site, stateOf(cs, 50, T0), T0);
    expect(logs.find((l) => l.msg === 'site re-planned')).toMatchObject({ forecast: 'persistence + profile g25' });
    // Slot 0 (10:45) is yesterday's 400 kW base: grid = base + battery.
    expect((plan?.gridKw[0] ?? NaN) - (plan?.batteryKw.bess?.[0] ?? NaN)).toBeCloseTo(400, 6);
  }, 30_000);

  it('plans for carbon when it has a price: a series moves charging into its clean hours; a series that starts later is left out, with a warning', async () => {
    // Dirty all day but 12:00-14:00 local; the plan starts at 10:45.
    const csv = join(dir, 'carbon.csv');
    writeFileSync(csv, 'time,kgPerKwh\n2025-07-15T00:00:00+08:00,1.0\n2025-07-15T12:00:00+08:00,0.1\n2025-07-15T14:00:00+08:00,1.0\n');
    const clean = (plan: Plan | undefined): number => {
      const startK = (Date.parse('2025-07-15T12:00:00+08:00') - (plan?.startMs ?? NaN)) / (15 * MIN);
      return (plan?.batteryKw.bess ?? []).slice(startK, startK + 8).reduce((a, b) => a + b, 0) / 4; // kWh charged
    };
    const co2 = (plan: Plan | undefined): number => {
      const f = (k: number): number => (k >= 5 && k < 13 ? 0.1 : 1.0); // slots 5..12 are 12:00-14:00
      return (plan?.gridKw ?? []).slice(0, 52).reduce((a, kw, k) => a + Math.max(kw, 0) * f(k) * 0.25, 0);
    };
    const planOf = async (carbon: string): Promise<Plan | undefined> => {
      // A peak target instead of the demand charge: a peak weighed by the kW holds import flat all day and leaves carbon nothing to move.
      const text = site(`${PROFILE}\n    carbon: ${carbon}`).replace('      demandChargePerKw: 40\n', '').replace('    gridImportLimitKw: 600\n', '    gridImportLimitKw: 600\n    peakTargetKw: 300\n');
      const cs = configured(text);
      const p = planner(cs);
      p.planFor(cs.site, stateOf(cs, 40, T0), T0);
      await p.settled();
      return p.planFor(cs.site, stateOf(cs, 40, T0), T0);
    };
    const unpriced = await planOf(`{csv: ${csv}}`);
    const priced = await planOf(`{csv: ${csv}, pricePerKg: 2}`);
    expect(clean(priced)).toBeGreaterThan(clean(unpriced) + 10);
    expect(co2(priced)).toBeLessThan(co2(unpriced));
    expect(configured(site(`${PROFILE}\n    carbon: {gridKgPerKwh: 0.5, pricePerKg: 0.1}`)).planning).toMatchObject({ carbon: { gridKgPerKwh: 0.5 }, carbonPricePerKg: 0.1 });

    const late = join(dir, 'late.csv');
    writeFileSync(late, 'time,kgPerKwh\n2025-07-15T12:00:00+08:00,0.1\n');
    logs = [];
    const withoutCarbon = await planOf(`{csv: ${late}, pricePerKg: 2}`);
    expect(withoutCarbon).toBeDefined();
    expect(logs.filter((l) => l.msg === 'carbon series starts after the plan: planned without carbon')).toEqual([
      expect.objectContaining({ site: 'plant-1', firstRow: '2025-07-15T04:00:00.000Z', planStart: '2025-07-15T02:45:00.000Z' }),
    ]);
  }, 60_000);

  it("takes the month's metered peak as the floor: the plan need not shave below it", async () => {
    const cs = configured(site(PROFILE));
    // Earlier this month (the 3rd) 15 minutes at 590 kW: the month's block peak is 590 kW.
    const at = Date.parse('2025-07-03T14:00:00+08:00');
    store.writeMetrics(Array.from({ length: 16 }, (_, i) => ({ siteId: 'plant-1', metric: 'gridPowerKw', atMs: at + i * MIN, value: 590, quality: 'good' as const })));
    await store.flush();
    const p = planner(cs);
    p.planFor(cs.site, stateOf(cs, 50, T0), T0);
    await p.settled();
    const plan = p.planFor(cs.site, stateOf(cs, 50, T0), T0);
    expect(logs.find((l) => l.msg === 'site re-planned')?.peakFloorKw).toBeCloseTo(590, 1);
    expect(plan?.peakKw).toBeGreaterThanOrEqual(590 - 1e-6);
  }, 30_000);
});

describe('MonthPeak', () => {
  // 10:05-10:20 local at 600 kW, samples each minute: it straddles two billing quarters.
  const start = Date.parse('2025-07-15T10:05:00+08:00');
  const samples = [...Array.from({ length: 16 }, (_, i) => ({ siteMs: start + i * MIN, kw: i < 15 ? 600 : 0 }))];
  it('block: the largest clock-aligned quarter-hour mean; sliding: any 15 minutes on whole minutes', () => {
    const block = new MonthPeak('Asia/Shanghai', 'block');
    block.monthStartSiteMs(start);
    block.add(samples);
    expect(block.peakKw(start + 60 * MIN)).toBeCloseTo(400, 6); // 10:00-10:15 holds 10 of the 15 minutes
    const sliding = new MonthPeak('Asia/Shanghai', 'sliding');
    sliding.monthStartSiteMs(start);
    sliding.add(samples);
    expect(sliding.peakKw(start + 60 * MIN)).toBeCloseTo(600, 6);
  });

  it('forgets last month, and never holds a sample across a long gap', () => {
    const m = new MonthPeak('Asia/Shanghai', 'sliding');
    m.monthStartSiteMs(Date.parse('2025-06-30T23:00:00+08:00'));
    m.add([{ siteMs: Date.parse('2025-06-30T23:00:00+08:00'), kw: 900 }, { siteMs: Date.parse('2025-06-30T23:30:00+08:00'), kw: 0 }]);
    expect(m.peakKw(Date.parse('2025-06-30T23:59:00+08:00'))).toBeCloseTo((900 * 65) / 900, 6);
    expect(m.monthStartSiteMs(Date.parse('2025-07-01T00:10:00+08:00'))).toBe(Date.parse('2025-07-01T00:00:00+08:00'));
    expect(m.peakKw(Date.parse('2025-07-01T00:10:00+08:00'))).toBe(0);
  });
});

describe('config: planning fields', () => {
  it('reads tariff, carbon, location and forecast; errors name the field', () => {
    const cs = configured(site(`${PROFILE}\n    carbon: {gridKgPerKwh: 0.58}`));
    expect(cs.planning?.tariff?.import[2]).toEqual({ fromMin: 480, toMin: 660, pricePerKwh: 1.2 });
    expect(cs.planning).toMatchObject({ carbon: { gridKgPerKwh: 0.58 }, location: { latDeg: 31.23, lonDeg: 121.47 }, forecast: { kind: 'profile', bdew: 'g25', annualKwh: 1500000 } });
    const bad = (text: string) => {
      try {
        parseConfig(text, 'bad.yaml');
      } catch (err) {
        if (err instanceof ConfigError) return err.message;
      }
      return 'no error';
    };
    expect(bad(site('    forecast: {load: {bdew: x25, annualKwh: 1}}'))).toMatch(/sites\[0\]\.forecast\.load\.bdew: must be one of g25, h25, l25, got "x25"/);
    expect(bad(site('    forecast: {load: yesterday}'))).toMatch(/sites\[0\]\.forecast\.load: must be persistence or \{bdew/);
    expect(bad(site('    location: {latDeg: 95, lonDeg: 0}'))).toMatch(/sites\[0\]\.location\.latDeg/);
    const gap = site('').replace('{from: "21:00", to: "22:00", pricePerKwh: 0.7},', '');
    expect(bad(gap)).toMatch(/sites\[0\]\.tariff\.import: must cover 00:00-24:00 without gaps: nothing covers 21:00-22:00/);
  });
});
