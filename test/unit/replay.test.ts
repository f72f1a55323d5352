import { beforeAll, describe, expect, it } from 'vitest';
import { replayScenario, type ReplayResult } from '../../src/runtime/replay/index.js';
import { loadScenarioFile, parseScenario, type Scenario } from '../../simulators/index.js';

const CONTRACT_SITE_KEYS = [
  'comfortViolationMinutes', 'co2Kg', 'cost', 'endSocPct', 'evEnergyShortKwh', 'exportKwh', 'id', 'importKwh',
  'limitViolationMinutes', 'minSocPct', 'peakImportKw', 'peakImportInstantKw', 'uncontrolledPeakImportKw',
].sort();
const CONTRACT_EVENT_KEYS = ['baselineKw', 'compliantPct', 'id', 'maxImportKw', 'meanImportKw', 'requestedKw', 'site'].sort();

/** Means of consecutive chunks of `per` values (the series starts on a quarter hour). */
const chunkMeans = (xs: readonly number[], per: number): number[] =>
  Array.from({ length: Math.ceil(xs.length / per) }, (_, k) => xs.slice(k * per, (k + 1) * per).reduce((a, b) => a + b, 0) / per);
const imp = (xs: readonly number[]): number[] => xs.map((g) => Math.max(0, g));

/**
 * 100 kW all day, 300 kW from 02:00 to 04:00; a battery with 100 kWh between its bounds, full,
 * η = 1. The least peak quarter hour any battery schedule reaches: 300 − 100 kWh / 2 h = 250 kW.
 */
function fixture(stepS: number, extra = ''): Scenario {
  return parseScenario(
    `version: 1
name: fixture-peak
start: 2025-07-15T00:00:00+08:00
durationH: 6
stepS: ${stepS}
forecast: perfect
sites:
  - id: s1
    timezone: Asia/Shanghai
    gridImportLimitKw: 400
    gridExportLimitKw: 50
    assets:
      - {id: base, type: load, profile: {constantKw: 100}, steps: [{at: "2025-07-15T02:00:00+08:00", deltaKw: 200, durationS: 7200}]}
${extra}`,
    '/tmp/fixture-peak.yaml',
  );
}
const ONE_BATTERY = `      - {id: bess, type: battery, capacityKwh: 125, maxChargeKw: 200, maxDischargeKw: 200, socPct: 90, minSocPct: 10, maxSocPct: 90, chargeEfficiency: 1, dischargeEfficiency: 1}\n`;

describe('replayScenario on the factory example', () => {
  let scenario: Scenario;
  let r: ReplayResult;
  beforeAll(async () => {
    scenario = loadScenarioFile('simulators/scenario/examples/factory.yaml');
    r = await replayScenario(scenario, { collectSeries: true });
  }, 120_000);

  it('gives exactly the contract fields, every number finite', () => {
    expect(r.scenario).toBe('factory-july-dr');
    expect(r.steps).toBe(1440);
    for (const s of r.sites) {
      expect(Object.keys(s).sort()).toEqual(CONTRACT_SITE_KEYS);
      for (const v of Object.values(s)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
    }
    for (const e of r.events) expect(Object.keys(e).sort()).toEqual(CONTRACT_EVENT_KEYS);
  });

  it('computes each KPI as CONTRACTS.md defines it, from the series', () => {
    const site = r.sites[0]!;
    const ser = r.series!.sites['factory-1']!;
    expect(site.peakImportKw).toBeCloseTo(Math.max(...chunkMeans(imp(ser.gridKw), 15)), 6);
    expect(site.uncontrolledPeakImportKw).toBeCloseTo(Math.max(...chunkMeans(imp(ser.uncontrolledGridKw), 15)), 6);
    expect(site.peakImportInstantKw).toBeCloseTo(Math.max(...ser.gridKw), 6);
    expect(site.importKwh).toBeCloseTo(imp(ser.gridKw).reduce((a, b) => a + b, 0) / 60, 6);
    expect(site.exportKwh).toBeCloseTo(ser.gridKw.reduce((a, g) => a + Math.max(0, -g), 0) / 60, 6);
    expect(site.limitViolationMinutes).toBe(ser.gridKw.filter((g) => g > 1250).length);
    // Shanghai summer TOU (factory.yaml), local hour = UTC + 8, plus 40 per kW of peak.
    const price = (h: number): number => (h < 6 || h >= 22 ? 0.28 : h < 8 ? 0.66 : h < 11 ? 1.08 : h < 13 ? 0.66 : h < 15 ? 1.3 : h < 18 ? 0.66 : h < 21 ? 1.08 : 0.66);
    const energy = ser.gridKw.reduce((a, g, i) => a + (Math.max(0, g) * price(Math.floor(i / 60)) - Math.max(0, -g) * 0.39) / 60, 0);
    expect(site.cost).toBeCloseTo(energy + 40 * site.peakImportKw, 4);
    expect(site.co2Kg).toBeCloseTo(site.importKwh * 0.58, 6);
    // The battery earns its keep: the peak is well below the uncontrolled one.
    expect(site.peakImportKw).toBeLessThan(0.9 * site.uncontrolledPeakImportKw);
  });

  it('closes the energy balance and keeps SoC within its bounds', () => {
    expect(r.balanceError).toBeLessThan(1e-9);
    const soc = r.series!.sites['factory-1']!.batteries['factory-bess']!.socPct;
    for (const v of soc) {
      expect(v).toBeGreaterThanOrEqual(10 - 1e-9);
      expect(v).toBeLessThanOrEqual(95 + 1e-9);
    }
    expect(r.sites[0]!.minSocPct['factory-bess']).toBeCloseTo(Math.min(40, ...soc), 9);
    expect(r.sites[0]!.endSocPct['factory-bess']).toBeCloseTo(soc[soc.length - 1]!, 9);
  });

  it('reports the DR event from the series: baseline from the uncontrolled run, minutes judged at cap × 1.01', () => {
    const e = r.events[0]!;
    const ser = r.series!.sites['factory-1']!;
    const from = 14 * 60; // 14:00 local = minute 840 of the run
    const win = ser.gridKw.slice(from, from + 120);
    expect(e).toMatchObject({ id: 'dr-0715-afternoon', site: 'factory-1', requestedKw: 900 });
    expect(e.baselineKw).toBeCloseTo(imp(ser.uncontrolledGridKw.slice(from, from + 120)).reduce((a, b) => a + b, 0) / 120, 6);
    expect(e.meanImportKw).toBeCloseTo(imp(win).reduce((a, b) => a + b, 0) / 120, 6);
    expect(e.maxImportKw).toBeCloseTo(Math.max(...win), 6);
    expect(e.compliantPct).toBeCloseTo((100 * win.filter((g) => g <= 909).length) / 120, 9);
    expect(e.compliantPct).toBe(100);
  });

  it('sends nothing to the battery while it does not answer: it idles after its revert timer', () => {
    // commLoss 15:00-15:15 local = minutes 900..915; revert after 3 steps of 60 s.
    const p = r.series!.sites['factory-1']!.batteries['factory-bess']!.powerKw;
    for (let i = 903; i < 915; i++) expect(p[i]).toBe(0);
  });
});

describe('replayScenario against the fixture optimum (perfect forecast)', () => {
  it.each([60, 300, 900])('stepS %i: peak within 1 % of 250 kW, SoC in bounds, balance closed', async (stepS) => {
    const r = await replayScenario(fixture(stepS, ONE_BATTERY), { collectSeries: true });
    const s = r.sites[0]!;
    expect(s.uncontrolledPeakImportKw).toBeCloseTo(300, 9);
    expect(s.peakImportKw).toBeLessThanOrEqual(1.01 * 250);
    expect(s.peakImportKw).toBeGreaterThanOrEqual(250 - 1e-6);
    expect(s.minSocPct.bess).toBeGreaterThanOrEqual(10 - 1e-9);
    expect(r.balanceError).toBeLessThan(1e-9);
    expect(r.steps).toBe((6 * 3600) / stepS);
  });

  it('the baselines do worse: no control keeps 300, the static 85 %/60 % pair stops at 255', async () => {
    const none = await replayScenario(fixture(60, ONE_BATTERY), { controller: 'none' });
    expect(none.sites[0]!.peakImportKw).toBeCloseTo(300, 9);
    const st = await replayScenario(fixture(60, ONE_BATTERY), { controller: 'static-threshold' });
    expect(st.sites[0]!.peakImportKw).toBeCloseTo(255, 2);
  });

  it('a battery that goes stale mid-event is dropped; the other takes over and the cap holds', async () => {
    const two =
      `      - {id: b1, type: battery, capacityKwh: 62.5, maxChargeKw: 100, maxDischargeKw: 100, socPct: 90, minSocPct: 10, maxSocPct: 90, chargeEfficiency: 1, dischargeEfficiency: 1}\n` +
      `      - {id: b2, type: battery, capacityKwh: 62.5, maxChargeKw: 100, maxDischargeKw: 100, socPct: 90, minSocPct: 10, maxSocPct: 90, chargeEfficiency: 1, dischargeEfficiency: 1}\n` +
      `events:\n  - {id: cap, sites: [s1], start: 2025-07-15T02:00:00+08:00, durationMin: 120, type: IMPORT_CAPACITY_LIMIT, valueKw: 260}\n` +
      `faults:\n  - {at: 2025-07-15T02:30:00+08:00, asset: b1, kind: commLoss, durationS: 900}\n`;
    const r = await replayScenario(fixture(60, two), { collectSeries: true });
    const ser = r.series!.sites.s1!;
    const b1 = ser.batteries.b1!.powerKw;
    const b2 = ser.batteries.b2!.powerKw;
    // b1 keeps its last setpoint until its revert timer (3 steps), then idles untouched.
    for (let m = 153; m < 165; m++) expect(b1[m]).toBe(0);
    // From the cycle after b1 idles, b2 alone holds the cap: planned without b1, 37.5 kWh cannot
    // keep 250 kW for the 90 minutes left, so the plan settles on the 260 kW cap.
    for (let m = 154; m < 165; m++) expect(ser.gridKw[m]).toBeLessThanOrEqual(260 + 1e-6);
    expect(b2[160]).toBeCloseTo(-40, 1);
    const e = r.events[0]!;
    expect(e.baselineKw).toBeCloseTo(300, 9);
    // At most the one minute in which b1's revert timer ran out, before b2 could see it.
    expect(e.compliantPct).toBeGreaterThanOrEqual(100 - 100 / 120 - 1e-9);
    expect(r.sites[0]!.limitViolationMinutes).toBe(0);
    expect(r.balanceError).toBeLessThan(1e-9);
  });

  it('reports progress and the sliding window when the tariff says so', async () => {
    const seen: number[] = [];
    const sliding = fixture(60, ONE_BATTERY).tariff;
    expect(sliding).toBeUndefined();
    const s = { ...fixture(60, ONE_BATTERY), tariff: { import: [{ fromMin: 0, toMin: 1440, pricePerKwh: 0 }], demandChargePerKw: 10, demandWindow: 'sliding' as const } };
    const r = await replayScenario(s, { onProgress: (d) => seen.push(d), collectSeries: true });
    expect(seen.length).toBe(360);
    expect(seen[359]).toBe(360);
    const g = imp(r.series!.sites.s1!.gridKw);
    let peak = 0;
    for (let m = 0; m + 15 <= g.length; m++) peak = Math.max(peak, g.slice(m, m + 15).reduce((a, b) => a + b, 0) / 15);
    expect(r.sites[0]!.peakImportKw).toBeCloseTo(peak, 6);
    expect(r.sites[0]!.peakImportKw).toBeLessThanOrEqual(1.01 * 250);
  });
});
