import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateOpenAdr } from '../../src/api/openadr/index.js';
import { parseConfig } from '../../src/config/index.js';
import { eventStatus, fromOpenAdrEvent } from '../../src/events/index.js';
import { buildReport, localId, mirror, tagOf, type MirrorOptions } from '../../src/runtime/northbound/index.js';
import { openRegistry, seedVens, type Registry } from '../../src/store/index.js';
import { OTHER_SITE, OWN_SITE } from '../helpers/openadr-api.js';

const T0 = Date.parse('2025-07-15T03:00:00Z');
const VTN = 'http://vtn.example/api/v1';
const SITES = [OWN_SITE.id, OTHER_SITE.id];

const upProgram = (id = 'P1', programName = 'utility-peak'): Record<string, unknown> => ({
  id, objectType: 'PROGRAM', createdDateTime: '2025-07-01T00:00:00Z', programName, targets: [{ type: 'VEN_NAME', values: ['our-ven'] }],
});

function upEvent(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, objectType: 'EVENT', createdDateTime: '2025-07-15T01:00:00Z', programID: 'P1', eventName: `evt ${id}`, priority: 1,
    targets: [{ type: 'VEN_NAME', values: ['our-ven'] }],
    payloadDescriptors: [{ payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
    intervalPeriod: { start: '2025-07-15T05:00:00Z', duration: 'PT1H' },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [450] }] }],
    ...overrides,
  };
}

describe('north-bound mirror: upstream programs and events -> local registry', () => {
  let dir: string;
  let registry: Registry;
  const opts = (nowMs: number, more: Partial<MirrorOptions> = {}): MirrorOptions => ({ vtnUrl: VTN, siteIds: SITES, nowMs, programNames: null, historyBeforeMs: T0, ...more });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vpp-nb-unit-'));
    registry = openRegistry({ dataDir: dir, nowMs: () => T0 });
    await seedVens(registry, [OWN_SITE, OTHER_SITE], T0);
  });
  afterEach(async () => {
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a tagged program and an event targeting our sites with the upstream window and payload; a repeat creates nothing', async () => {
    const first = (await mirror(registry, [upProgram()], [upEvent('E1')], opts(T0)));
    expect(first.created).toEqual([localId('P1'), localId('E1')]);
    expect(first.skipped).toEqual([]);
    const program = (await registry.programs.get(localId('P1')));
    expect(program?.body['programName']).toBe('utility-peak');
    expect(program?.body['targets']).toEqual([{ type: 'VEN_NAME', values: SITES }]);
    expect(tagOf(program?.body ?? {}, VTN)?.id).toBe('P1');

    const local = (await registry.events.get(localId('E1')));
    expect(local).not.toBeNull();
    expect(validateOpenAdr('event', local?.body, 'returned')).toEqual([]);
    const ev = fromOpenAdrEvent(local?.body);
    expect(ev.programId).toBe(localId('P1'));
    expect(ev.targets).toEqual([{ type: 'VEN_NAME', values: SITES }]);
    expect(ev.intervals).toMatchObject([{ startMs: Date.parse('2025-07-15T05:00:00Z'), durationS: 3600, signals: [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 450 }] }]);
    expect(tagOf(local?.body ?? {}, VTN)).toMatchObject({ id: 'E1', programID: 'P1' });

    const again = (await mirror(registry, [upProgram()], [upEvent('E1')], opts(T0 + 1000)));
    expect(again).toEqual({ created: [], updated: [], cancelled: [], deleted: [], skipped: [] });
    expect(await registry.events.count()).toBe(1);
    expect(await registry.programs.count()).toBe(1);
  });

  it('mirrors an upstream update in place, keeping the id', async () => {
    await mirror(registry, [upProgram()], [upEvent('E1')], opts(T0));
    const changed = upEvent('E1', { intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [300] }] }] });
    const r = (await mirror(registry, [upProgram()], [changed], opts(T0 + 1000)));
    expect(r.updated).toEqual([localId('E1')]);
    expect(fromOpenAdrEvent((await registry.events.get(localId('E1')))?.body).intervals[0]?.signals).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 300 }]);
    // A changed site mapping (config northbound.sites) re-targets the mirrors.
    const remapped = (await mirror(registry, [upProgram()], [changed], opts(T0 + 2000, { siteIds: [OWN_SITE.id] })));
    expect(remapped.updated).toEqual([localId('P1'), localId('E1')]);
    expect(fromOpenAdrEvent((await registry.events.get(localId('E1')))?.body).targets).toEqual([{ type: 'VEN_NAME', values: [OWN_SITE.id] }]);
  });

  it('an event gone upstream is deleted while pending, cancelled from now while running, kept once completed', async () => {
    await mirror(registry, [upProgram()], [upEvent('E1'), upEvent('E2', { intervalPeriod: { start: '2025-07-15T02:00:00Z', duration: 'PT2H' } }), upEvent('E3', { intervalPeriod: { start: '2025-07-15T02:50:00Z', duration: 'PT5M' } })], opts(T0 - 20 * 60_000, { historyBeforeMs: T0 - 20 * 60_000 }));
    expect(await registry.events.count()).toBe(3);
    const now = T0; // E1 pending, E2 active, E3 completed
    const r = (await mirror(registry, [upProgram()], [], opts(now)));
    expect(r.deleted).toEqual([localId('E1')]);
    expect(r.cancelled).toEqual([localId('E2')]);
    expect(await registry.events.get(localId('E1'))).toBeNull();
    expect((await registry.events.get(localId('E2')))?.cancelledMs).toBe(now);
    const e3 = (await registry.events.get(localId('E3')));
    expect(e3?.cancelledMs).toBeNull();
    expect(eventStatus(fromOpenAdrEvent(e3?.body), now)).toBe('completed');
  });

  it('follows the programName filter, RESOURCE_NAME targets, and skips what does not validate, naming the field', async () => {
    const r = (await mirror(
      registry,
      [upProgram(), upProgram('P2', 'other-program')],
      [
        upEvent('E1', { targets: [{ type: 'RESOURCE_NAME', values: [OTHER_SITE.id, 'unknown-resource'] }] }),
        upEvent('E2', { programID: 'P2' }),
        upEvent('E3', { intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: 'lots' }] }] }),
      ],
      opts(T0, { programNames: ['utility-peak'] }),
    ));
    expect(r.created).toEqual([localId('P1'), localId('E1')]);
    expect(await registry.programs.get(localId('P2'))).toBeNull();
    expect(await registry.events.get(localId('E2'))).toBeNull();
    expect(fromOpenAdrEvent((await registry.events.get(localId('E1')))?.body).targets).toEqual([{ type: 'VEN_NAME', values: [OTHER_SITE.id] }]);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatch(/^event E3: .*intervals\.0\.payloads\.0\.values/);
  });

  it('leaves history alone: an upstream event already over when the client started is not mirrored', async () => {
    const r = (await mirror(registry, [upProgram()], [upEvent('E0', { intervalPeriod: { start: '2025-07-14T05:00:00Z', duration: 'PT1H' } })], opts(T0)));
    expect(r.created).toEqual([localId('P1')]);
    expect(await registry.events.count()).toBe(0);
  });

  it('a local program already holding the name keeps it; the mirror is named with the upstream id', async () => {
    await registry.programs.create({ id: 'mine', objectType: 'PROGRAM', createdDateTime: '2025-07-01T00:00:00Z', programName: 'utility-peak' }, T0);
    const r = (await mirror(registry, [upProgram()], [], opts(T0)));
    expect(r.created).toEqual([localId('P1')]);
    expect((await registry.programs.get(localId('P1')))?.body['programName']).toBe('utility-peak [upstream P1]');
    expect((await registry.programs.get('mine'))?.body['programName']).toBe('utility-peak');
  });
});

describe('north-bound report body', () => {
  const site = (siteId: string) => ({
    siteId,
    window: { start: '2025-07-15T05:00:00.000Z', end: '2025-07-15T05:30:00.000Z' },
    intervalS: 900,
    intervals: [
      { start: '2025-07-15T05:00:00.000Z', actualKw: 400, baselineKw: 600 },
      { start: '2025-07-15T05:15:00.000Z', actualKw: null, baselineKw: 600 },
    ],
  });

  it('validates against the 3.0.1 report schema and carries USAGE, DEMAND, BASELINE, DELTA_USAGE per interval', async () => {
    const report = buildReport({ programID: 'P1', eventID: 'E1', clientName: 'our-ven', sites: [site('plant-1'), site('plant-2')] });
    expect(validateOpenAdr('report', report)).toEqual([]);
    expect(report.resources.map((r) => r.resourceName)).toEqual(['plant-1', 'plant-2']);
    const [first, second] = report.resources[0]?.intervals ?? [];
    expect(first?.payloads).toEqual([
      { type: 'USAGE', values: [100] }, // 400 kW for 15 min
      { type: 'DEMAND', values: [400] },
      { type: 'BASELINE', values: [600] },
      { type: 'DELTA_USAGE', values: [-50] }, // (400 - 600) kW x 0.25 h
    ]);
    // No meter data: no invented usage, only the baseline.
    expect(second?.payloads).toEqual([{ type: 'BASELINE', values: [600] }]);
    expect(second?.intervalPeriod).toEqual({ start: '2025-07-15T05:15:00.000Z', duration: 'PT15M' });
    expect(report.payloadDescriptors?.map((d) => `${d.payloadType}:${d.units}`)).toEqual(['USAGE:KWH', 'DEMAND:KW', 'BASELINE:KW', 'DELTA_USAGE:KWH']);
  });

  it('a report without programID fails the schema (the check before sending can fail)', async () => {
    const report = buildReport({ programID: '', eventID: 'E1', clientName: 'our-ven', sites: [site('plant-1')] });
    expect(validateOpenAdr('report', report).join()).toMatch(/programID/);
  });
});

describe('north-bound config', () => {
  const yaml = (nb: string, env: NodeJS.ProcessEnv = {}) =>
    parseConfig(`sites:\n  - id: plant-1\n    timezone: Asia/Shanghai\n    gridImportLimitKw: 100\n    assets: [{type: meter, id: m, binding: "modbus://127.0.0.1:1502/1"}]\n${nb}`, 'test.yaml', env);

  it('defaults token URL, poll period and sites', async () => {
    const cfg = yaml('northbound: {vtnUrl: "http://vtn.example/api/v1/", clientId: c, clientSecretEnv: VTN_SECRET, venName: v}', { VTN_SECRET: 's3cret' });
    expect(cfg.northbound).toEqual({
      vtnUrl: 'http://vtn.example/api/v1', tokenUrl: 'http://vtn.example/api/v1/auth/token', clientId: 'c', clientSecret: 's3cret', venName: 'v',
      pollS: 30, timeoutS: 10, programNames: null, siteIds: ['plant-1'],
    });
  });

  it('takes an optional subscribe section with defaults', async () => {
    const cfg = yaml('northbound: {vtnUrl: "http://x", clientId: c, clientSecret: s, venName: v, subscribe: {listenPort: 8091}}');
    expect(cfg.northbound?.subscribe).toEqual({ listenHost: '127.0.0.1', listenPort: 8091, callbackUrl: null });
    expect(() => yaml('northbound: {vtnUrl: "http://x", clientId: c, clientSecret: s, venName: v, subscribe: {listenPort: 70000}}')).toThrow(/northbound\.subscribe\.listenPort/);
  });

  it('names the field of each problem', async () => {
    expect(() => yaml('northbound: {vtnUrl: "ftp://x", clientId: c, venName: v}')).toThrow(/northbound\.vtnUrl/);
    expect(() => yaml('northbound: {vtnUrl: "http://x", clientId: c, venName: v}')).toThrow(/northbound\.clientSecret: is required/);
    expect(() => yaml('northbound: {vtnUrl: "http://x", clientId: c, clientSecretEnv: NOPE, venName: v}')).toThrow(/northbound\.clientSecretEnv: environment variable NOPE is not set/);
    expect(() => yaml('northbound: {vtnUrl: "http://x", clientId: c, clientSecret: s, venName: v, sites: [plant-9]}')).toThrow(/northbound\.sites\[0\]: no configured site "plant-9"/);
    expect(() => yaml('northbound: {vtnUrl: "http://x", clientId: c, clientSecret: s, venName: v, pollSeconds: 3}')).toThrow(/northbound\.pollSeconds: unknown field/);
  });
});
