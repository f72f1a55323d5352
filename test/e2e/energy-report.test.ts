import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.js';
import { gridCarbonOf, type EnergyReportJson, type EnergyRowJson } from '../../src/api/routes/energy-report-data.js';
import { CSV_HEADER } from '../../src/api/routes/energy-report-format.js';
import { loadConfigFile, type VppConfig } from '../../src/config/index.js';
import { openRegistry, openStore, seedVens, type MetricPoint, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import { runVpp } from '../helpers/cli.js';

/**
 * The carbon report adds up with the raw series (issue 8, "Done means"): three demo-like days
 * of two sites at 1-min resolution are written through the store's write API into a real
 * SQLite store; `vpp report` and GET /api/v1/energy-reports must give totals equal to sums
 * this test computes on its own from the points it wrote (each sample held until the next, at
 * most the meter's 120 s stale limit; bad samples and the 3-hour gap count nothing).
 */
const FROM = '2025-07-14T00:00:00+08:00';
const TO = '2025-07-17T00:00:00+08:00';
const FROM_MS = Date.parse(FROM);
const TO_MS = Date.parse(TO);
const MIN = 60_000;
const H = 3_600_000;
const HOLD_MS = 120_000;
const EVENT_START = Date.parse('2025-07-15T18:00:00+08:00');

const CONFIG = `
store: {kind: sqlite, dataDir: ./unused}
sites:
  - id: east
    timezone: Asia/Shanghai
    gridImportLimitKw: 400
    carbon: {csv: carbon.csv}
    assets:
      - {id: grid, type: meter, binding: "modbus://127.0.0.1:1502/1", staleAfterS: 120}
      - {id: roof, type: pv, kwp: 100, binding: "modbus://127.0.0.1:1502/3"}
      - {id: bess, type: battery, binding: "modbus://127.0.0.1:1502/4", capacityKwh: 200, maxChargeKw: 50, maxDischargeKw: 50}
  - id: west
    timezone: Asia/Shanghai
    gridImportLimitKw: 200
    carbon: {gridKgPerKwh: 0.58}
    assets:
      - {id: grid, type: meter, binding: "modbus://127.0.0.1:1503/1", staleAfterS: 120}
      - {id: roof, type: pv, kwp: 30, binding: "modbus://127.0.0.1:1503/3"}
`;

/** Hourly factor, kg/kWh: a daily swing around 0.55. */
const factorAt = (ms: number): number => 0.55 + 0.2 * Math.sin((2 * Math.PI * Math.floor((ms - FROM_MS) / H)) / 24);
const localHour = (ms: number): number => ((ms - FROM_MS) / H) % 24;

interface Sample { atMs: number; grid: number; pv: number; battery: number; good: boolean }

function siteSamples(site: 'east' | 'west'): Sample[] {
  const out: Sample[] = [];
  for (let t = FROM_MS - 2 * MIN, i = 0; t < TO_MS; t += MIN, i++) {
    const h = localHour(t);
    // west's meter is silent for 3 h on the second day; 1 sample in 97 is bad.
    if (site === 'west' && t >= Date.parse('2025-07-15T09:00:00+08:00') && t < Date.parse('2025-07-15T12:00:00+08:00')) continue;
    const pv = -(site === 'east' ? 120 : 25) * Math.max(0, Math.sin((Math.PI * (h - 6)) / 12));
    const battery = site === 'west' ? 0 : h >= 18 && h < 20 ? -50 : h >= 1 && h < 3 ? 30 : 0;
    const load = (site === 'east' ? 60 : 15) + (h >= 8 && h < 20 ? 40 : 0) + 5 * Math.sin(i / 7);
    out.push({ atMs: t, grid: load + pv + battery, pv, battery, good: i % 97 !== 5 });
  }
  return out;
}

/** The independent sums: Σ over samples of the piece each holds inside [FROM, TO). */
function expected(samples: readonly Sample[], factor: (ms: number) => number) {
  const e = { importKwh: 0, exportKwh: 0, pvKwh: 0, selfConsumedPvKwh: 0, co2Kg: 0, coveredMs: 0, blocks: new Map<number, { kwh: number; ms: number }>() };
  samples.forEach((s, i) => {
    const next = samples[i + 1]?.atMs ?? Infinity;
    const a = Math.max(s.atMs, FROM_MS);
    const b = Math.min(next, s.atMs + HOLD_MS, TO_MS);
    if (!s.good || b <= a) return;
    const hH = (b - a) / H;
    const imp = Math.max(s.grid, 0) * hH;
    const exp = Math.max(-s.grid, 0) * hH;
    const gen = Math.max(-s.pv, 0) * hH;
    e.importKwh += imp;
    e.exportKwh += exp;
    e.pvKwh += gen;
    e.selfConsumedPvKwh += Math.min(Math.max(gen - exp, 0), gen);
    e.co2Kg += imp * factor(a);
    e.coveredMs += b - a;
    // 1-min samples on the minute never straddle a quarter hour.
    const block = Math.floor(a / (15 * MIN)) * 15 * MIN;
    const acc = e.blocks.get(block) ?? { kwh: 0, ms: 0 };
    acc.kwh += imp;
    acc.ms += b - a;
    e.blocks.set(block, acc);
  });
  const peakImportKw = Math.max(...[...e.blocks.values()].filter((x) => x.ms >= 7.5 * MIN).map((x) => x.kwh / (x.ms / H)));
  return { ...e, peakImportKw, coveragePct: (100 * e.coveredMs) / (TO_MS - FROM_MS) };
}

const ENERGY = ['importKwh', 'exportKwh', 'pvKwh', 'selfConsumedPvKwh', 'loadKwh', 'co2UnfactoredImportKwh'] as const;
const sum = (rows: readonly EnergyRowJson[], k: (typeof ENERGY)[number] | 'co2Kg'): number => rows.reduce((acc, r) => acc + (r[k] ?? 0), 0);

let dir: string;
let configFile: string;
let cfg: VppConfig;
let registry: Registry;
let store: TimeSeriesStore;
let app: FastifyInstance;
const raw = { east: siteSamples('east'), west: siteSamples('west') };
const tokens: Record<string, string> = {};
let cliJson: EnergyReportJson;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-energy-report-'));
  configFile = join(dir, 'vpp.yaml');
  writeFileSync(configFile, CONFIG);
  const rows = ['time,kgPerKwh'];
  for (let t = FROM_MS - H; t < TO_MS; t += H) rows.push(`${new Date(t).toISOString()},${factorAt(t)}`);
  writeFileSync(join(dir, 'carbon.csv'), `${rows.join('\n')}\n`);
  cfg = loadConfigFile(configFile, { VPP_DATA_DIR: dir });
  store = await openStore({ kind: 'sqlite', dataDir: dir });
  for (const site of ['east', 'west'] as const) {
    const points: MetricPoint[] = raw[site].flatMap((s) => {
      const quality = s.good ? 'good' : 'bad';
      const p = (metric: string, value: number): MetricPoint => ({ siteId: site, metric, atMs: s.atMs, value, quality });
      return site === 'east' ? [p('gridPowerKw', s.grid), p('pvPowerKw', s.pv), p('batteryPowerKw', s.battery)] : [p('gridPowerKw', s.grid), p('pvPowerKw', s.pv)];
    });
    for (let i = 0; i < points.length; i += 5000) store.writeMetrics(points.slice(i, i + 5000));
  }
  await store.flush();

  const now = Date.now();
  registry = openRegistry({ dataDir: dir });
  await seedVens(registry, cfg.sites.map((cs) => cs.site), FROM_MS);
  app = await buildApp({
    version: 'test',
    sites: () => cfg.sites.map((cs) => ({ site: cs.site, state: null })),
    store,
    adapters: () => [],
    nowMs: () => now,
    registry,
    siteCarbon: (id) => gridCarbonOf(cfg.sites.find((cs) => cs.site.id === id)?.planning),
  });
  for (const [name, input] of Object.entries({ operator: { role: 'operator' }, west: { role: 'site', siteId: 'west' } } as const)) {
    const c = await registry.clients.add(input);
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret } });
    tokens[name] = (res.json() as { access_token: string }).access_token;
  }
  // A DR event on east: 1 h from 18:00 on the second day, while its battery discharges.
  const auth = { authorization: `Bearer ${tokens.operator ?? ''}`, 'content-type': 'application/json' };
  const p = await app.inject({ method: 'POST', url: '/api/v1/programs', headers: auth, payload: JSON.stringify({ programName: 'peak' }) });
  expect(p.statusCode, p.body).toBe(201);
  const e = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: auth,
    payload: JSON.stringify({
      programID: (p.json() as { id: string }).id,
      eventName: 'ev-0715',
      targets: [{ type: 'VEN_NAME', values: ['east'] }],
      intervalPeriod: { start: new Date(EVENT_START).toISOString(), duration: 'PT1H' },
      intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [150] }] }],
    }),
  });
  expect(e.statusCode, e.body).toBe(201);

  const cli = await runVpp(['report', '--from', FROM, '--to', TO, '--format', 'json', '--config', configFile, '--data-dir', dir]);
  expect(cli.code, cli.stderr).toBe(0);
  expect(cli.stderr).toMatch(/east 2025-07-14: \d+ grid samples/);
  cliJson = JSON.parse(cli.stdout) as EnergyReportJson;
}, 240_000);

afterAll(async () => {
  await app?.close();
  await registry?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('vpp report --format json', () => {
  it('gives each site totals equal to sums over the raw series', async () => {
    for (const [site, factor] of [['east', factorAt], ['west', () => 0.58]] as const) {
      const x = expected(raw[site], factor);
      const r = cliJson.sites.find((s) => s.siteId === site);
      expect(r, site).toBeDefined();
      const t = r?.total as EnergyRowJson;
      expect(t.importKwh).toBeCloseTo(x.importKwh, 6);
      expect(t.exportKwh).toBeCloseTo(x.exportKwh, 6);
      expect(t.pvKwh).toBeCloseTo(x.pvKwh, 6);
      expect(t.selfConsumedPvKwh).toBeCloseTo(x.selfConsumedPvKwh, 6);
      expect(t.co2Kg).toBeCloseTo(x.co2Kg, 6);
      expect(t.co2UnfactoredImportKwh).toBe(0);
      expect(t.coveragePct).toBeCloseTo(x.coveragePct, 9);
      expect(t.peakImportKw).toBeCloseTo(x.peakImportKw, 6);
      expect(r?.days.map((d) => d.period)).toEqual(['2025-07-14', '2025-07-15', '2025-07-16']);
      for (const k of [...ENERGY, 'co2Kg'] as const) expect(sum(r?.days ?? [], k), `${site} ${k}`).toBeCloseTo(t[k] ?? 0, 6);
    }
    // The gap and the bad samples show in the coverage; east's export exists (PV beats load at noon).
    expect(cliJson.sites.find((s) => s.siteId === 'west')?.total.coveragePct).toBeLessThan(96);
    expect(cliJson.sites.find((s) => s.siteId === 'east')?.total.exportKwh).toBeGreaterThan(0);
  });

  it('makes the district the sum of its sites, day by day and in total', async () => {
    expect(cliJson.district.sites).toEqual(['east', 'west']);
    for (const k of [...ENERGY, 'co2Kg'] as const) {
      expect(cliJson.district.total[k], k).toBeCloseTo(sum(cliJson.sites.map((s) => s.total), k), 6);
      cliJson.district.days.forEach((d, i) => expect(d[k], `${d.period} ${k}`).toBeCloseTo(sum(cliJson.sites.map((s) => s.days[i] as EnergyRowJson), k), 6));
    }
    const east = cliJson.sites.find((s) => s.siteId === 'east')?.total;
    // East's battery shaves its evening peak: batteries idle, the peak would have been higher.
    expect(east?.peakReductionKw).toBeGreaterThan(0);
    expect(east?.renewableSharePct).toBeGreaterThan(0);
  });

  it('gives the DR event its baseline peak against the metered peak', async () => {
    const events = cliJson.sites.find((s) => s.siteId === 'east')?.events ?? [];
    expect(events).toHaveLength(1);
    const ev = events[0];
    expect(ev).toMatchObject({ from: new Date(EVENT_START).toISOString(), baselineMethod: 'meterBeforeMeterAfter', missingIntervals: expect.any(Number) });
    expect(ev?.peakReductionKw).toBeCloseTo((ev?.baselinePeakKw ?? NaN) - (ev?.actualPeakKw ?? NaN), 9);
    // The battery discharges 50 kW through the event: the metered peak is well under the baseline.
    expect(ev?.peakReductionKw).toBeGreaterThan(30);
    expect(cliJson.sites.find((s) => s.siteId === 'west')?.events).toEqual([]);
  });

  it('prints CSV that parses and HTML that holds the numbers', async () => {
    const csv = await runVpp(['report', '--from', FROM, '--to', TO, '--format', 'csv', '--config', configFile, '--data-dir', dir]);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n').map((l) => l.split(','));
    expect(lines[0]?.join(',')).toBe(CSV_HEADER);
    const header = lines[0] ?? [];
    const col = (name: string): number => header.indexOf(name);
    expect(lines.every((l) => l.length === header.length)).toBe(true);
    const total = lines.find((l) => l[0] === 'district' && l[1] === 'total') ?? [];
    expect(Number(total[col('importKwh')])).toBeCloseTo(cliJson.district.total.importKwh, 3);
    expect(Number(total[col('co2Kg')])).toBeCloseTo(cliJson.district.total.co2Kg ?? NaN, 3);
    expect(lines.filter((l) => l[1] === 'day')).toHaveLength(9);
    expect(lines.find((l) => l[1] === 'event')?.[0]).toBe('east');

    const html = await runVpp(['report', '--from', FROM, '--to', TO, '--format', 'html', '--config', configFile, '--data-dir', dir, '--site', 'east']);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    const east = cliJson.sites.find((s) => s.siteId === 'east')?.total as EnergyRowJson;
    expect(html.stdout).toContain(`<td>${Math.round(east.importKwh * 1000) / 1000}</td>`);
    expect(html.stdout).toContain(`<td>${Math.round((east.co2Kg ?? NaN) * 1000) / 1000}</td>`);
    expect(html.stdout).not.toContain('Site west');
  }, 120_000);

  it('refuses bad arguments with exit 2 and one line naming the argument', async () => {
    const r = await runVpp(['report', '--from', '2025-07-14', '--to', TO, '--config', configFile, '--data-dir', dir]);
    expect([r.code, r.stderr]).toEqual([2, 'vpp report: --from must be ISO 8601 with an offset, e.g. 2025-07-01T00:00:00+08:00, got "2025-07-14"\n']);
    const s = await runVpp(['report', '--from', FROM, '--to', TO, '--site', 'north', '--config', configFile, '--data-dir', dir]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^vpp report: --site: no site "north"/);
  }, 120_000);
});

describe('GET /api/v1/energy-reports', () => {
  const url = (q: string): string => `/api/v1/energy-reports?${q}`;
  const range = `from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;

  it('answers the same report as the CLI, and CSV', async () => {
    const res = await app.inject({ method: 'GET', url: url(range) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as EnergyReportJson;
    expect({ ...body, generatedAt: '' }).toEqual({ ...cliJson, generatedAt: '' });
    const csv = await app.inject({ method: 'GET', url: url(`${range}&format=csv`) });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe(CSV_HEADER);
    const docs = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(Object.keys((docs.json() as { paths: Record<string, unknown> }).paths)).toContain('/api/v1/energy-reports');
  }, 120_000);

  it('shows a site client its own site only', async () => {
    const own = await app.inject({ method: 'GET', url: url(range), headers: { authorization: `Bearer ${tokens.west ?? ''}` } });
    expect(own.statusCode, own.body).toBe(200);
    const body = own.json() as EnergyReportJson;
    expect(body.sites.map((s) => s.siteId)).toEqual(['west']);
    expect(body.district.total.importKwh).toBeCloseTo(body.sites[0]?.total.importKwh ?? NaN, 9);
    const other = await app.inject({ method: 'GET', url: url(`${range}&site=east`), headers: { authorization: `Bearer ${tokens.west ?? ''}` } });
    expect(other.statusCode).toBe(403);
  }, 120_000);

  it('answers 400 problem+json naming the bad parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      [`to=${encodeURIComponent(TO)}`, /querystring\.from/],
      [`from=${encodeURIComponent(TO)}&to=${encodeURIComponent(FROM)}`, /^querystring\.to: must be after from/],
      [`from=2025-01-01T00:00:00Z&to=2025-07-01T00:00:00Z`, /^querystring\.to: the range may span at most 32 days/],
      [`${range}&format=xml`, /querystring\.format/],
      [`${range}&site=north`, /^querystring\.site: no site 'north'/],
    ];
    for (const [q, detail] of cases) {
      const res = await app.inject({ method: 'GET', url: url(q) });
      expect(res.statusCode, q).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((res.json() as { detail: string }).detail).toMatch(detail);
    }
  });
});
