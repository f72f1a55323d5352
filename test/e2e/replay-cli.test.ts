import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runVpp } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vpp-replay-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SITE_KEYS = ['comfortViolationMinutes', 'co2Kg', 'cost', 'endSocPct', 'evEnergyShortKwh', 'exportKwh', 'id', 'importKwh', 'limitViolationMinutes', 'minSocPct', 'peakImportKw', 'peakImportInstantKw', 'uncontrolledPeakImportKw'].sort();

describe('vpp replay', () => {
  it('--json: one contract object on stdout, progress on stderr, CSV and HTML report written', async () => {
    const csv = join(dir, 'factory.csv');
    const report = join(dir, 'factory.html');
    const r = await runVpp(['replay', 'simulators/scenario/examples/factory.yaml', '--json', '--csv', csv, '--report', report]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0] ?? '') as Record<string, unknown> & { sites: Record<string, unknown>[]; events: Record<string, unknown>[] };
    expect(Object.keys(out).sort()).toEqual(['events', 'scenario', 'sites', 'steps', 'wallMs']);
    expect(out).toMatchObject({ scenario: 'factory-july-dr', steps: 1440 });
    for (const s of out.sites) expect(Object.keys(s).sort()).toEqual(SITE_KEYS);
    expect(Object.keys(out.events[0] ?? {}).sort()).toEqual(['baselineKw', 'compliantPct', 'id', 'maxImportKw', 'meanImportKw', 'requestedKw', 'site']);
    expect(r.stderr).toMatch(/factory-july-dr: 50 % \(720\/1440 steps\)/);
    expect(r.stderr).toMatch(/100 % \(1440\/1440 steps\)/);

    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('time,factory-1.gridKw,factory-1.uncontrolledGridKw,factory-1.factory-bess.powerKw,factory-1.factory-bess.socPct');
    expect(rows).toHaveLength(1441);
    expect(rows[1]).toMatch(/^2025-07-15T00:00:00\+08:00,/);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('uPlot'); // the library itself is inlined: the file works offline
    expect(html).not.toMatch(/<script src=/);
    expect(html).toContain('dr-0715-afternoon');
  }, 120_000);

  it('prints a short summary without --json; --controller none leaves the peak uncontrolled', async () => {
    const r = await runVpp(['replay', 'simulators/scenario/examples/factory.yaml', '--controller', 'none']);
    expect(r.code, r.stderr).toBe(0);
    const m = /factory-1: peak ([\d.]+) kW \(uncontrolled ([\d.]+) kW\)/.exec(r.stdout);
    expect(m?.[1]).toBe(m?.[2]);
  }, 120_000);

  it('exit 2 with one line per problem on a bad scenario; exit 2 on bad arguments', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'version: 1\nname: x\nstart: 2025-07-15T00:00:00+08:00\ndurationH: 0\nstepS: 60\nforecast: perfect\nsites: []\n');
    const r = await runVpp(['replay', file, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bad\.yaml: durationH: must be > 0, got 0/);
    expect((await runVpp(['replay'])).code).toBe(2);
    const bad = await runVpp(['replay', 'simulators/scenario/examples/factory.yaml', '--controller', 'magic']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--controller must be one of plan, peak-shaving, static-threshold, none, got "magic"/);
    expect((await runVpp(['replay', join(dir, 'missing.yaml')])).code).toBe(2);
  }, 120_000); // four CLI starts: each loads the TypeScript sources through tsx
});
