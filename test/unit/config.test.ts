import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/index.js';

const SITE = `
sites:
  - id: plant-1
    timezone: Asia/Shanghai
    gridImportLimitKw: 800
    peakTargetKw: 600
    assets:
      - {id: grid, type: meter, binding: "modbus://127.0.0.1:1502/1"}
      - {id: bess, type: battery, binding: "modbus://127.0.0.1:1502/4", capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250}
`;

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, 'site.yaml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).lines();
  }
  throw new Error('expected the config to be rejected');
}

describe('config loading', () => {
  it('loads the shipped demo with defaults applied', () => {
    const cfg = loadConfigFile('config/default.yaml');
    expect(cfg.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(cfg.store).toEqual({ kind: 'sqlite', dataDir: './data' });
    expect(cfg.simulation?.startMs).toBe(Date.parse(cfg.simulation?.startAt ?? ''));
    const [demo] = cfg.sites;
    expect(demo?.site.assets.map((a) => a.kind).sort()).toEqual(['battery', 'battery', 'battery', 'load', 'meter', 'pv']);
    expect(demo?.site.peakTargetKw).toBeLessThan(demo?.site.gridImportLimitKw ?? 0);
    for (const a of demo?.site.assets ?? []) expect(demo?.simulate[a.id]?.kind).toBe(a.kind);
  });

  it('fills battery defaults and keeps the limits people wrote', () => {
    const bess = parseConfig(SITE, 'site.yaml').sites[0]?.site.assets.find((a) => a.id === 'bess');
    expect(bess).toMatchObject({ kind: 'battery', capacityKwh: 500, minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, staleAfterS: 5, pollIntervalS: 1 });
  });

  it('names file, path and reason for a bad asset field', () => {
    expect(problemsOf(SITE.replace('capacityKwh: 500', 'capacityKwh: 0'))).toEqual([
      'site.yaml: sites[0].assets[1].capacityKwh: must be > 0, got 0',
    ]);
  });

  it('lists every problem, one line each, schema and asset entries together', () => {
    const lines = problemsOf(
      SITE.replace('gridImportLimitKw: 800', 'gridImportLimitKw: -1\n    colour: red')
        .replace('type: meter', 'type: heater')
        .replace('maxChargeKw: 250', 'maxChargeKw: .nan'),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        'site.yaml: sites[0].colour: unknown field (check its spelling and unit suffix)',
        'site.yaml: sites[0].gridImportLimitKw: must be > 0, got -1',
        'site.yaml: sites[0].assets[0].type: must be one of "meter", "load", "pv", "battery", "evCharger", "hvac", got "heater"',
      ]),
    );
    expect(lines.some((l) => l.startsWith('site.yaml: sites[0].assets[1].maxChargeKw:'))).toBe(true);
  });

  it('rejects semantic problems a schema cannot see', () => {
    const lines = problemsOf(
      SITE.replace('Asia/Shanghai', 'Mars/Olympus')
        .replace('peakTargetKw: 600', 'peakTargetKw: 900')
        .replace('id: bess', 'id: grid')
        .replace('"modbus://127.0.0.1:1502/1"', '"http://127.0.0.1/1"'),
    );
    expect(lines).toEqual([
      'site.yaml: sites[0].timezone: not an IANA time zone (e.g. Asia/Shanghai), got "Mars/Olympus"',
      'site.yaml: sites[0].peakTargetKw: must be <= gridImportLimitKw (800), got 900',
      expect.stringMatching(/^site\.yaml: sites\[0\]\.assets\[0\]\.binding: scheme http: is not supported yet/),
      "site.yaml: sites[0].assets[1].id: duplicate asset id 'grid' in this site (also assets[0])",
    ]);
  });

  it('rejects a malformed binding at load, naming the field and why', () => {
    expect(problemsOf(SITE.replace('1502/4', '1502/300'))).toEqual([
      "site.yaml: sites[0].assets[1].binding: path must be /<unit id 1..247>, got '/300' (in \"modbus://127.0.0.1:1502/300\")",
    ]);
    expect(problemsOf(SITE.replace('"modbus://127.0.0.1:1502/1"', 'plc-7'))[0]).toMatch(/assets\[0\]\.binding: has no URL scheme/);
    // Port 0 only where simulated devices will pick a free port.
    expect(problemsOf(SITE.replace('1502/4', '0/4'))[0]).toMatch(/assets\[1\]\.binding: port must be 1\.\.65535/);
    expect(() => parseConfig(`simulation: {startAt: "2025-07-15T10:45:00+08:00"}\n${SITE.replaceAll(':1502/', ':0/')}`, 'sim.yaml')).not.toThrow();
  });

  it('accepts an MQTT binding whose profile exists and names a missing profile', () => {
    const mqtt = SITE.replace('"modbus://127.0.0.1:1502/4"', '"mqtt://127.0.0.1:1883/vpp-sim/plant-1?profile=vpp-sim-mqtt-battery"');
    expect(() => parseConfig(mqtt, 'site.yaml')).not.toThrow();
    const missing = problemsOf(mqtt.replace('vpp-sim-mqtt-battery', 'no-such-device'));
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/^site\.yaml: sites\[0\]\.assets\[1\]\.binding: .*config\/devices\/no-such-device\.yaml/);
  });

  it('carries a meter mounted the other way round to the adapter target', () => {
    const grid = parseConfig(SITE.replace('type: meter,', 'type: meter, invert: true,'), 'site.yaml').sites[0]?.site.assets.find((a) => a.id === 'grid');
    expect(grid).toMatchObject({ kind: 'meter', invert: true });
    expect(problemsOf(SITE.replace('type: meter,', 'type: meter, invert: "yes",'))[0]).toMatch(/assets\[0\]\.invert: must be boolean/);
  });

  it('requires a grid meter and a SoC floor below the ceiling', () => {
    const noMeter = SITE.replace(/ {6}- \{id: grid.*\n/, '');
    expect(problemsOf(noMeter)).toEqual(['site.yaml: sites[0].assets: needs the grid meter: an asset with type: meter']);
    const inverted = SITE.replace('maxDischargeKw: 250}', 'maxDischargeKw: 250, minSocPct: 90, maxSocPct: 20}');
    expect(problemsOf(inverted)).toEqual(['site.yaml: sites[0].assets[1].minSocPct: must be < maxSocPct (20), got 90']);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(problemsOf('sites: [\n')[0]).toMatch(/^site\.yaml: line \d+, column \d+: YAML syntax: /);
    expect(problemsOf('a: 1\na: 2\n')[0]).toMatch(/YAML syntax: Map keys must be unique/);
  });

  it('applies VPP_HTTP_PORT and VPP_DATA_DIR, and rejects a bad port', () => {
    const cfg = parseConfig(SITE, 'site.yaml', { VPP_HTTP_PORT: '9090', VPP_DATA_DIR: '/tmp/vpp-x' });
    expect(cfg.http.port).toBe(9090);
    expect(cfg.store).toEqual({ kind: 'sqlite', dataDir: '/tmp/vpp-x' });
    expect(problemsOf(SITE, { VPP_HTTP_PORT: 'eighty' })).toEqual([
      'site.yaml: environment VPP_HTTP_PORT: must be an integer port 0..65535, got "eighty"',
    ]);
  });

  it('demands a simulation profile for every simulated load', () => {
    const text = `simulation: {startAt: "2025-07-15T10:45:00+08:00"}\n${SITE.replace(
      '      - {id: bess',
      '      - {id: l1, type: load, binding: "modbus://127.0.0.1:1502/2"}\n      - {id: bess',
    )}`;
    expect(problemsOf(text)).toEqual([
      'site.yaml: sites[0].assets[1].simulate.profile: is required with simulation: give {bdew, annualKwh} or {constantKw}',
    ]);
  });

  it('reports an unreadable file as one line naming it', () => {
    try {
      loadConfigFile('config/does-not-exist.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).lines()).toEqual([expect.stringMatching(/^config\/does-not-exist\.yaml: cannot read: ENOENT/)]);
    }
  });
});
