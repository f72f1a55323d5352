import { describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { ScenarioFileSchema, expandDaily, fixedOffsetZone, loadScenarioFile, type ScenarioAsset } from '../../simulators/scenario/index.js';
import { CONTRACT_EXAMPLE as CONTRACT, SCENARIO_FIXTURES as DIR, contractDoc, variant } from '../fixtures/scenarios/variant.js';

const ms = (iso: string): number => Date.parse(iso);

function asset<K extends ScenarioAsset['kind']>(assets: readonly ScenarioAsset[], id: string, kind: K): Extract<ScenarioAsset, { kind: K }> {
  const a = assets.find((x) => x.id === id);
  if (a === undefined || a.kind !== kind) throw new Error(`no ${kind} ${id}`);
  return a as Extract<ScenarioAsset, { kind: K }>;
}

describe('scenario loader: the contract example (CONTRACTS.md, verbatim)', () => {
  const s = loadScenarioFile(CONTRACT);

  it('gives times in epoch ms and durations in seconds', () => {
    expect(s).toMatchObject({ version: 1, name: 'office-summer-peak', seed: 1, stepS: 60, steps: 1440, durationS: 86_400, startOffsetMin: 480 });
    expect(s.startMs).toBe(ms('2025-07-15T00:00:00+08:00'));
    expect(s.endMs).toBe(ms('2025-07-16T00:00:00+08:00'));
    expect(s.forecast).toEqual({ kind: 'perfect' });
  });

  it('turns the tariff into sorted minute ranges and the carbon factor into a constant', () => {
    expect(s.tariff).toEqual({
      import: [
        { fromMin: 0, toMin: 480, pricePerKwh: 0.3 },
        { fromMin: 480, toMin: 1320, pricePerKwh: 1.1 },
        { fromMin: 1320, toMin: 1440, pricePerKwh: 0.3 },
      ],
      exportPricePerKwh: 0.35,
      demandChargePerKw: 40,
      demandWindow: 'block',
    });
    expect(s.carbon).toEqual({ kind: 'constant', gridKgPerKwh: 0.58 });
  });

  it('keeps the site, its limits and a default meter', () => {
    const [site] = s.sites;
    expect(site).toMatchObject({ id: 'plant-1', timezone: 'Asia/Shanghai', gridImportLimitKw: 800, gridExportLimitKw: 200, peakTargetKw: 600 });
    expect(site?.meter).toEqual({ id: 'plant-1-meter', serve: 'modbus' });
    expect(site?.assets.map((a) => `${a.id}:${a.kind}:${a.serve}`)).toEqual([
      'base:load:modbus', 'line2:load:modbus', 'fixed:load:modbus', 'roof:pv:modbus',
      'bess:battery:modbus', 'chiller:hvac:modbus', 'ev-1:evCharger:mqtt',
    ]);
  });

  it('reads the line CSV relative to the scenario file', () => {
    const line = asset(s.sites[0]?.assets ?? [], 'line2', 'load');
    if (!('points' in line.profile)) throw new Error('csv profile expected');
    expect(line.profile.csv).toBe(`${DIR}line2.csv`);
    expect(line.profile.points).toHaveLength(97);
    expect(line.profile.points[0]).toEqual({ atMs: s.startMs, powerKw: 25 });
    expect(line.profile.points[40]).toEqual({ atMs: ms('2025-07-15T10:00:00+08:00'), powerKw: 60 });
  });

  it('fills battery, HVAC and EV defaults and expands the daily EV session in the site zone', () => {
    const assets = s.sites[0]?.assets ?? [];
    expect(asset(assets, 'bess', 'battery')).toMatchObject({ capacityKwh: 500, socPct: 60, minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95 });
    expect(asset(assets, 'chiller', 'hvac')).toMatchObject({ ratedKw: 150, setpointC: 24, comfortBandC: 2, mode: 'cooling', weather: 'tmy3-723170' });
    const ev = asset(assets, 'ev-1', 'evCharger');
    expect(ev).toMatchObject({ maxKw: 22, phases: 3, voltageV: 230, minA: 6, daily: { arrivesMin: 510, departsMin: 1050, energyNeededKwh: 40 } });
    expect(ev.sessions).toEqual([
      { arrivesMs: ms('2025-07-15T08:30:00+08:00'), departsMs: ms('2025-07-15T17:30:00+08:00'), energyNeededKwh: 40 },
    ]);
  });

  it('gives events and faults start and end instants', () => {
    expect(s.events).toEqual([
      { id: 'ev-0715', siteIds: ['plant-1'], type: 'IMPORT_CAPACITY_LIMIT', valueKw: 450, startMs: ms('2025-07-15T14:00:00+08:00'), endMs: ms('2025-07-15T16:00:00+08:00') },
    ]);
    expect(s.faults).toEqual([
      { index: 0, kind: 'commLoss', siteId: 'plant-1', assetId: 'bess', atMs: ms('2025-07-15T15:00:00+08:00'), untilMs: ms('2025-07-15T15:15:00+08:00') },
    ]);
  });

  it('validates against the exported JSON schema too', () => {
    expect(Value.Check(ScenarioFileSchema, contractDoc())).toBe(true);
  });
});

describe('scenario loader: optional fields and defaults', () => {
  it('defaults the zone to the fixed offset of start, in a form Intl accepts', () => {
    const s = variant((d) => delete d.sites[0].timezone);
    expect(s.sites[0]?.timezone).toBe('Etc/GMT-8');
    expect(() => new Intl.DateTimeFormat('en-US', { timeZone: 'Etc/GMT-8' })).not.toThrow();
  });

  it.each([
    [0, 'UTC'],
    [480, 'Etc/GMT-8'],
    [-300, 'Etc/GMT+5'],
  ])('fixedOffsetZone(%i) = %s', (offsetMin, zone) => {
    expect(fixedOffsetZone(offsetMin)).toBe(zone);
  });

  it('gives a half-hour offset a zone only where the runtime has offset zones', () => {
    let runtimeTakesOffsets = true;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: '+05:30' });
    } catch {
      runtimeTakesOffsets = false;
    }
    expect(fixedOffsetZone(330)).toBe(runtimeTakesOffsets ? '+05:30' : null);
  });

  it('reads seed, serve, noise, steps, fallback, acKw, a carbon series and a noisy forecast', () => {
    const s = variant((d) => {
      d.seed = 42;
      d.forecast = 'noisy:12.5';
      d.carbon = { csv: 'carbon.csv' };
      d.sites[0].meter = { serve: 'opcua', id: 'plant-1-grid' };
      const [base, , , roof, bess] = d.sites[0].assets;
      Object.assign(base, { noise: { pct: 5 }, steps: [{ at: '2025-07-15T09:00:00+08:00', deltaKw: -80, durationS: 3600 }], serve: 'opcua' });
      Object.assign(roof, { acKw: 350, unitId: 3, responseDelayS: 0.5, rampKwPerS: 40 });
      Object.assign(bess, { fallback: { powerKw: -50 }, taperPct: 5 });
    });
    expect(s.seed).toBe(42);
    expect(s.forecast).toEqual({ kind: 'noisy', pct: 12.5 });
    expect(s.carbon?.kind === 'series' && s.carbon.points.length).toBe(25);
    const site = s.sites[0];
    expect(site?.meter).toEqual({ id: 'plant-1-grid', serve: 'opcua' });
    const assets = site?.assets ?? [];
    expect(asset(assets, 'base', 'load')).toMatchObject({ serve: 'opcua', noise: { pct: 5 }, steps: [{ atMs: ms('2025-07-15T09:00:00+08:00'), deltaKw: -80, durationS: 3600 }] });
    expect(asset(assets, 'roof', 'pv')).toMatchObject({ acKw: 350, unitId: 3, responseDelayS: 0.5, rampKwPerS: 40 });
    expect(asset(assets, 'bess', 'battery')).toMatchObject({ fallback: { kind: 'powerKw', powerKw: -50 }, taperPct: 5 });
  });

  it('expands an overnight daily EV session across days, and keeps explicit sessions', () => {
    const s = variant((d) => {
      d.start = '2025-07-15T12:00:00+08:00';
      d.durationH = 48;
      d.events = [];
      d.faults = [];
      d.sites[0].assets.push(
        { id: 'home-ev', type: 'evCharger', maxKw: 7.4, phases: 1, arrives: '18:00', departs: '07:00', energyNeededKwh: 20 },
        { id: 'fleet-ev', type: 'evCharger', maxKw: 11, sessions: [{ arrives: '2025-07-16T09:00:00+08:00', departs: '2025-07-16T12:00:00+08:00', energyNeededKwh: 15 }] },
      );
    });
    const assets = s.sites[0]?.assets ?? [];
    expect(asset(assets, 'home-ev', 'evCharger').sessions.map((x) => [x.arrivesMs, x.departsMs])).toEqual([
      [ms('2025-07-15T18:00:00+08:00'), ms('2025-07-16T07:00:00+08:00')],
      [ms('2025-07-16T18:00:00+08:00'), ms('2025-07-17T07:00:00+08:00')],
    ]);
    expect(asset(assets, 'fleet-ev', 'evCharger').sessions).toEqual([
      { arrivesMs: ms('2025-07-16T09:00:00+08:00'), departsMs: ms('2025-07-16T12:00:00+08:00'), energyNeededKwh: 15 },
    ]);
  });
});

describe('daily EV sessions across daylight-saving changes', () => {
  const berlin = (iso: string): number => Date.parse(iso);
  it.each([
    ['spring forward: 08:00 stays 08:00 local', '08:00', '12:00', ['2025-03-29T08:00:00+01:00', '2025-03-30T08:00:00+02:00', '2025-03-31T08:00:00+02:00']],
    ['spring forward: 02:30 does not exist and reads 03:30', '02:30', '06:00', ['2025-03-29T02:30:00+01:00', '2025-03-30T03:30:00+02:00', '2025-03-31T02:30:00+02:00']],
  ])('%s', (_name, arrives, departs, expected) => {
    const startMs = berlin('2025-03-29T00:00:00+01:00');
    const endMs = berlin('2025-04-01T00:00:00+02:00');
    const [h, m] = arrives.split(':').map(Number) as [number, number];
    const [dh, dm] = departs.split(':').map(Number) as [number, number];
    const sessions = expandDaily({ arrivesMin: h * 60 + m, departsMin: dh * 60 + dm, energyNeededKwh: 10 }, 'Europe/Berlin', startMs, endMs);
    expect(sessions.map((x) => x.arrivesMs)).toEqual(expected.map(berlin));
  });

  it('fall back: 02:30 happens twice and the first is taken', () => {
    const startMs = berlin('2025-10-26T00:00:00+02:00');
    const sessions = expandDaily({ arrivesMin: 150, departsMin: 300, energyNeededKwh: 10 }, 'Europe/Berlin', startMs, startMs + 86_400_000);
    expect(sessions[0]?.arrivesMs).toBe(berlin('2025-10-26T02:30:00+02:00'));
  });
});
