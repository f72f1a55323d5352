import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summariseSite } from '../../src/core/index.js';
import type { AssetState, DrSignal, Site, SiteState } from '../../src/domain/index.js';
import { startDrEvents, type DrEvents } from '../../src/runtime/dr-events.js';
import { silentLogger } from '../../src/runtime/index.js';
import { openRegistry, openStore, seedVens, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import { TEST_ASSET_BASE, testBattery } from '../helpers/assets.js';
import { eventually } from '../helpers/cli.js';

/**
 * The runtime's dispatch of DR events within enrolments (issue 7) over a real registry and a
 * real SQLite store (temp dir), on a test clock: GROUP membership from the vens' targets, the
 * group shed split by live flexibility and turned into caps against the store's baseline,
 * re-allocation when a site's telemetry goes stale, refusals (opt-out, minimum notice) recorded,
 * the enrolled SoC floor applied while the event is in force.
 */
const T0 = Date.parse('2025-07-15T06:00:00Z'); // 14:00 in Asia/Shanghai
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const siteOf = (id: string): Site => ({
  id, name: id, timezone: 'Asia/Shanghai', gridImportLimitKw: 800,
  assets: [{ ...TEST_ASSET_BASE, id: `${id}-grid`, kind: 'meter' }, testBattery(`${id}-bess`)],
});
const SITES = [siteOf('a'), siteOf('b'), siteOf('c')];
const BASELINE_KW: Record<string, number> = { a: 300, b: 200, c: 250 };

let dir: string;
let registry: Registry;
let store: TimeSeriesStore;
let dr: DrEvents;
const latest = new Map<string, SiteState>();

function state(site: Site, gridKw: number, batteryKw: number, socPct: number, atMs: number): SiteState {
  const good = (value: number) => ({ value, quality: 'good' as const, atMs });
  const assets: Record<string, AssetState> = {
    [`${site.id}-grid`]: { assetId: `${site.id}-grid`, kind: 'meter', readings: { powerKw: good(gridKw) }, available: true },
    [`${site.id}-bess`]: { assetId: `${site.id}-bess`, kind: 'battery', readings: { powerKw: good(batteryKw), socPct: good(socPct) }, available: true },
  };
  return summariseSite(site, assets, atMs);
}

function event(id: string, targets: unknown[], type: string, value: number, startMs: number, durationS: number, createdMs = T0 - 3_600_000): Record<string, unknown> {
  return {
    id, objectType: 'EVENT', createdDateTime: iso(createdMs), programID: 'p1', targets,
    intervalPeriod: { start: iso(startMs), duration: `PT${durationS}S` },
    intervals: [{ id: 0, payloads: [{ type, values: [value] }] }],
  };
}

async function enrol(siteId: string, limits: Record<string, unknown>): Promise<void> {
  await registry.enrolments.put('p1', siteId, { programId: 'p1', siteId, timezone: 'Asia/Shanghai', assetIds: [`${siteId}-grid`, `${siteId}-bess`], limits, createdAtMs: T0 - 86_400_000, modifiedAtMs: T0 - 86_400_000 }, T0 - 86_400_000);
}

const caps = (siteId: string, nowMs: number): DrSignal[] => [...dr.signals(siteId, nowMs)];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vpp-dr-dispatch-'));
  registry = openRegistry({ dataDir: dir });
  store = await openStore({ kind: 'sqlite', dataDir: dir });
  await seedVens(registry, SITES, T0 - 86_400_000);
  for (const s of SITES) {
    const ven = (await registry.vens.get(s.id));
    await registry.vens.update(s.id, { ...ven?.body, targets: [{ type: 'GROUP', values: ['east'] }] }, T0 - 86_400_000);
    // Two minutes of metered import before T0: the meter-before baseline.
    store.writeMetrics(Array.from({ length: 120 }, (_, k) => ({ siteId: s.id, metric: 'gridPowerKw', atMs: T0 - 120_000 + k * 1000, value: BASELINE_KW[s.id] ?? 0, quality: 'good' as const })));
    latest.set(s.id, state(s, BASELINE_KW[s.id] ?? 0, 0, 60, T0));
  }
  await store.flush();
  await registry.programs.create({ id: 'p1', objectType: 'PROGRAM', createdDateTime: iso(T0 - 86_400_000), programName: 'fleet' }, T0 - 86_400_000);
  await enrol('a', { minNoticeS: 600, socFloorPct: { 'a-bess': 40 } });
  await enrol('b', { maxShedKw: 120 });
  // c is in the group but not enrolled: it gets no share.
  dr = startDrEvents({ events: registry.events, log: silentLogger(), tickMs: 0, dispatch: { registry, sites: SITES, latest, store, allocation: { maxSummaryAgeS: 15, failAfterS: 20, graceS: 5 } } });
});

afterEach(async () => {
  dr.stop();
  await registry.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DR dispatch within enrolments', () => {
  it('splits a GROUP shed by flexibility, caps each site at baseline − share, re-allocates when one goes stale', async () => {
    await registry.events.create(event('g1', [{ type: 'GROUP', values: ['east'] }], 'DISPATCH_SETPOINT_RELATIVE', -200, T0, 600), T0 - 3_600_000);
    await dr.poll(T0 - 1000);
    expect(await registry.dispatch.list('g1')).toEqual([]);
    await dr.poll(T0);
    const first = (await registry.dispatch.list('g1')).find((r) => r.kind === 'allocation');
    expect(first?.body).toMatchObject({ requestedKw: 200, allocatedKw: 200, shares: [{ siteId: 'a', shedKw: 100 }, { siteId: 'b', shedKw: 100 }], excluded: [{ siteId: 'c', why: 'not enrolled' }] });

    // The caps wait for the baselines (computed from the store), then hold baseline − share.
    const a = await eventually('a capped', async () => { const s = caps('a', T0 + 1000); return s.length > 0 ? s : undefined; }, 10_000, 20);
    const b = await eventually('b capped', async () => { const s = caps('b', T0 + 1000); return s.length > 0 ? s : undefined; }, 10_000, 20);
    expect(a).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 200, eventId: 'g1' }]);
    expect(b).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 100, eventId: 'g1' }]);
    expect(caps('c', T0 + 1000)).toEqual([]);
    expect((await registry.dispatch.list('g1')).filter((r) => r.kind === 'baseline').map((r) => [r.siteId, r.body['baselineKw']])).toEqual(
      expect.arrayContaining([['a', expect.arrayContaining([300])], ['b', expect.arrayContaining([200])]]),
    );
    // The enrolled SoC floor holds while the event is in force at a, not before.
    const floorOf = (s: Site) => (s.assets.find((x) => x.kind === 'battery') as { minSocPct: number }).minSocPct;
    expect(floorOf(dr.siteFor(SITES[0] as Site, T0 + 1000))).toBe(40);
    expect(floorOf(dr.siteFor(SITES[0] as Site, T0 - 1000))).toBe(10);

    // b sheds its 100 kW; a's telemetry stops at T0 + 5 s: after 15 s it is stale, its share moves to b up to maxShedKw.
    latest.set('b', state(SITES[1] as Site, 100, -100, 59, T0 + 29_000));
    latest.set('a', state(SITES[0] as Site, 200, -100, 59, T0 + 5_000));
    await dr.poll(T0 + 10_000);
    expect((await registry.dispatch.list('g1')).some((r) => r.kind === 'reallocation')).toBe(false);
    await dr.poll(T0 + 30_000);
    const re = (await registry.dispatch.list('g1')).find((r) => r.kind === 'reallocation');
    expect(re?.body).toMatchObject({ failedSiteIds: ['a'], shares: [{ siteId: 'b', shedKw: 120 }], allocatedKw: 120, shortfallKw: 80 });
    expect(String((re?.body['failures'] as Record<string, string>)['a'])).toMatch(/telemetry 25 s old/);
    expect(caps('a', T0 + 31_000)).toEqual([]);
    expect(caps('b', T0 + 31_000)).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 80, eventId: 'g1' }]);
  });

  it('a site that stays above its cap is failed after failAfterS and its share moved', async () => {
    await registry.events.create(event('g2', [{ type: 'GROUP', values: ['east'] }], 'DISPATCH_SETPOINT_RELATIVE', -100, T0, 600), T0 - 3_600_000);
    await dr.poll(T0);
    await eventually('baselines', async () => (caps('a', T0 + 500).length > 0 && caps('b', T0 + 500).length > 0 ? true : undefined), 10_000, 20);
    // a keeps importing its baseline (it cannot deliver); b delivers.
    for (let t = T0 + 1000; t <= T0 + 40_000; t += 1000) {
      latest.set('a', state(SITES[0] as Site, 300, 0, 60, t));
      latest.set('b', state(SITES[1] as Site, 150, -50, 60, t));
      await dr.poll(t);
    }
    const re = (await registry.dispatch.list('g2')).filter((r) => r.kind === 'reallocation');
    expect(re).toHaveLength(1);
    expect(re[0]?.body).toMatchObject({ failedSiteIds: ['a'], shares: [{ siteId: 'b', shedKw: 100 }] });
    expect(String((re[0]?.body['failures'] as Record<string, string>)['a'])).toMatch(/cannot deliver/);
  });

  it('an opted-out site is not dispatched; a short-notice event is refused by minNoticeS; both recorded', async () => {
    const start = T0 + 3_600_000;
    await registry.events.create(event('n1', [{ type: 'VEN_NAME', values: ['a', 'b'] }], 'IMPORT_CAPACITY_LIMIT', 250, start, 600), T0);
    await registry.enrolments.optOut('n1', 'b', { siteId: 'b', atMs: T0, reason: 'maintenance' }, T0);
    await registry.events.create(event('n2', [{ type: 'VEN_NAME', values: ['a'] }], 'IMPORT_CAPACITY_LIMIT', 200, start + 1_200_000, 600, start + 1_140_000), start + 1_140_000);
    dr.markChanged();
    await dr.poll(start + 1000);
    expect(caps('a', start + 1000)).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 250, eventId: 'n1' }]);
    expect(caps('b', start + 1000)).toEqual([]);
    expect(await registry.dispatch.list('n1')).toEqual([expect.objectContaining({ kind: 'refusal', siteId: 'b', body: expect.objectContaining({ dispatch: 'refused', violations: [expect.objectContaining({ limit: 'optedOut' })] }) })]);

    await dr.poll(start + 1_200_000);
    expect(caps('a', start + 1_201_000)).toEqual([]);
    expect(await registry.dispatch.list('n2')).toEqual([expect.objectContaining({ kind: 'refusal', siteId: 'a', body: expect.objectContaining({ violations: [expect.objectContaining({ limit: 'minNoticeS' })] }) })]);
  });

  it('maxShedKw raises an import cap to baseline − maxShedKw; maxEventDurationS releases the event (recorded as a clip)', async () => {
    await enrol('b', { maxShedKw: 120, maxEventDurationS: 60 });
    await registry.events.create(event('c1', [{ type: 'VEN_NAME', values: ['b'] }], 'IMPORT_CAPACITY_LIMIT', 50, T0, 600), T0 - 3_600_000);
    dr.markChanged();
    await dr.poll(T0);
    // Until b's baseline (200 kW from the store) is known the cap cannot be measured as a shed: dropped, never enforced blind.
    const capped = await eventually('b capped', async () => { const s = caps('b', T0 + 1000); return s.length > 0 ? s : undefined; }, 10_000, 20);
    expect(capped).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 80, eventId: 'c1' }]);
    expect(caps('b', T0 + 59_000)).toHaveLength(1);
    expect(caps('b', T0 + 60_000)).toEqual([]);
    expect((await registry.dispatch.list('c1')).filter((r) => r.kind === 'clip')).toEqual([
      expect.objectContaining({ siteId: 'b', body: expect.objectContaining({ dispatch: 'clipped', violations: [expect.objectContaining({ limit: 'maxEventDurationS' })] }) }),
    ]);
  });

  it('without a dispatch option events apply as before (no enrolment checks)', async () => {
    const plain = startDrEvents({ events: registry.events, log: silentLogger(), tickMs: 0 });
    await registry.events.create(event('n3', [{ type: 'VEN_NAME', values: ['b'] }], 'IMPORT_CAPACITY_LIMIT', 150, T0, 600), T0);
    await plain.poll(T0);
    expect(plain.signals('b', T0)).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 150, eventId: 'n3' }]);
    plain.stop();
  });
});
