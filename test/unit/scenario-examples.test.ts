import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FaultTimeline, loadScenarioFile, type Scenario, type ScenarioAsset } from '../../simulators/scenario/index.js';

const DIR = fileURLToPath(new URL('../../simulators/scenario/examples/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const load = (name: string): Scenario => loadScenarioFile(`${DIR}${name}`);
const allAssets = (s: Scenario): ScenarioAsset[] => s.sites.flatMap((site) => site.assets);

describe('example scenarios', () => {
  it('include the three the docs point to', () => {
    expect(FILES).toEqual(expect.arrayContaining(['district-50.yaml', 'factory.yaml', 'office.yaml']));
  });

  it.each(FILES)('%s loads without problems, at +08:00', (file) => {
    const s = load(file);
    expect(s.startOffsetMin).toBe(480);
    expect(s.sites.every((site) => site.timezone === 'Asia/Shanghai')).toBe(true);
    expect(s.steps).toBeGreaterThan(0);
  });

  it('factory: g25 base, a shift-pattern CSV line, PV, a large battery, a DR event, a comm loss', () => {
    const s = load('factory.yaml');
    const a = allAssets(s);
    const line = a.find((x) => x.id === 'press-line-2');
    expect(line?.kind === 'load' && 'points' in line.profile && line.profile.points.length).toBe(97);
    expect(a.some((x) => x.kind === 'load' && 'bdew' in x.profile && x.profile.bdew === 'g25')).toBe(true);
    expect(a.some((x) => x.kind === 'pv')).toBe(true);
    expect(a.find((x) => x.kind === 'battery')).toMatchObject({ capacityKwh: 2000 });
    expect(s.events).toHaveLength(1);
    expect(FaultTimeline.fromScenario(s).active('factory-bess', Date.parse('2025-07-15T15:05:00+08:00')).map((f) => f.kind)).toEqual(['commLoss']);
  });

  it('office: HVAC with a comfort band and four EV chargers at office hours over three protocols', () => {
    const a = allAssets(load('office.yaml'));
    expect(a.find((x) => x.kind === 'hvac')).toMatchObject({ comfortBandC: 1.5 });
    const evs = a.filter((x) => x.kind === 'evCharger');
    expect(evs).toHaveLength(4);
    expect(new Set(evs.map((x) => x.serve))).toEqual(new Set(['mqtt', 'opcua', 'modbus']));
    for (const ev of evs) {
      expect(ev.sessions).toHaveLength(1);
      const [session] = ev.sessions;
      const localHour = (ms: number): number => new Date(ms + 8 * 3600_000).getUTCHours();
      expect(localHour(session?.arrivesMs ?? NaN)).toBeGreaterThanOrEqual(8);
      expect(localHour(session?.departsMs ?? NaN)).toBeLessThanOrEqual(19);
    }
  });

  it('district-50: 50 sites with their own ids, a mix of g25/h25/l25 loads, PV and some batteries', () => {
    const s = load('district-50.yaml');
    expect(s.sites).toHaveLength(50);
    expect(new Set(s.sites.map((x) => x.id)).size).toBe(50);
    const a = allAssets(s);
    const profiles = new Set(a.flatMap((x) => (x.kind === 'load' && 'bdew' in x.profile ? [x.profile.bdew] : [])));
    expect(profiles).toEqual(new Set(['g25', 'h25', 'l25']));
    expect(a.filter((x) => x.kind === 'pv').length).toBeGreaterThan(25);
    const batteries = a.filter((x) => x.kind === 'battery').length;
    expect(batteries).toBeGreaterThan(5);
    expect(batteries).toBeLessThan(50);
    const limits = new Set(s.sites.map((x) => x.gridImportLimitKw));
    expect(limits.size).toBeGreaterThan(5);
  });
});
