import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { siteState$ } from '../../src/core/index.js';
import type { BatteryAsset, Metric, Quality, Site, SiteState, Telemetry } from '../../src/domain/index.js';
import { testBattery } from '../helpers/assets.js';

const meter = { id: 'grid', kind: 'meter', binding: 'modbus://127.0.0.1:1/1', staleAfterS: 60, pollIntervalS: 1 } as const;
const bess: BatteryAsset = testBattery('bess', { binding: 'modbus://127.0.0.1:1/2' });
const site: Site = { id: 'plant-1', name: 'Plant 1', timezone: 'Asia/Shanghai', gridImportLimitKw: 800, assets: [meter, bess] };

function t(assetId: string, metric: Metric, value: number | null, atMs: number, siteId = 'plant-1'): Telemetry {
  return { siteId, assetId, metric, value, quality: value === null ? 'bad' : 'good', atMs };
}

/** The part of a SiteState each diagram checks, so expectations stay readable. */
interface View {
  readonly atMs: number;
  readonly grid: number | null;
  readonly gridQ: Quality;
  readonly batteryAvailable: boolean | undefined;
}
const view = (s: SiteState): View => ({
  atMs: s.atMs,
  grid: s.gridPowerKw.value,
  gridQ: s.gridPowerKw.quality,
  batteryAvailable: s.assets.bess?.available,
});

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('siteState$', () => {
  it("emits on each reading and goes stale one limit after the last ('-a 59s b')", () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('-a 59s b', { a: t('grid', 'powerKw', 500, 1), b: t('grid', 'powerKw', 520, 59_002) });
      const out = siteState$(site, src).pipe(map(view));
      expectObservable(out, '^ 200s !').toBe('-A 59s B 59.999s S', {
        A: { atMs: 1, grid: 500, gridQ: 'good', batteryAvailable: false },
        B: { atMs: 59_002, grid: 520, gridQ: 'good', batteryAvailable: false },
        S: { atMs: 119_002, grid: 520, gridQ: 'stale', batteryAvailable: false },
      });
    });
  });

  it('turns stale at exactly the limit, before a reading one frame later', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('-a 60s b', { a: t('grid', 'powerKw', 500, 1), b: t('grid', 'powerKw', 510, 60_002) });
      expectObservable(siteState$(site, src).pipe(map(view)), '^ 100s !').toBe('-A 59.999s SB', {
        A: { atMs: 1, grid: 500, gridQ: 'good', batteryAvailable: false },
        S: { atMs: 60_001, grid: 500, gridQ: 'stale', batteryAvailable: false },
        B: { atMs: 60_002, grid: 510, gridQ: 'good', batteryAvailable: false },
      });
    });
  });

  it('makes a battery available only while power and SoC are both good, each with its own staleness', () => {
    scheduler().run(({ hot, expectObservable }) => {
      // socPct is read once (bess stale limit 10 s); powerKw keeps coming every 4 s.
      const src = hot('a s 4s b 4s c 4s d', {
        a: t('bess', 'powerKw', -50, 0),
        s: t('bess', 'socPct', 60, 1),
        b: t('bess', 'powerKw', -50, 4_002),
        c: t('bess', 'powerKw', -50, 8_003),
        d: t('bess', 'powerKw', -50, 12_004),
      });
      const out = siteState$(site, src).pipe(map((s) => s.assets.bess?.available));
      // a@0 (no SoC yet), s@1 → available, b@4002, c@8003, SoC stale @10001, d@12004 still not.
      expectObservable(out, '^ 20s !').toBe('f t 4s t 4s t 1.997s f 2.002s f', { t: true, f: false });
    });
  });

  it('ignores telemetry of other sites, unknown assets and unknown metrics', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('xyz-a', {
        x: t('grid', 'powerKw', 999, 0, 'other-site'),
        y: t('ghost', 'powerKw', 999, 1),
        z: { ...t('grid', 'powerKw', 999, 2), metric: 'volts' as Metric },
        a: t('grid', 'powerKw', 400, 4),
      });
      expectObservable(siteState$(site, src).pipe(map(view)), '^ 10s !').toBe('----A', {
        A: { atMs: 4, grid: 400, gridQ: 'good', batteryAvailable: false },
      });
    });
  });

  it('passes a bad meter reading through at once as a bad grid power, never 0', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('a 5s b', { a: t('grid', 'powerKw', 450, 0), b: t('grid', 'powerKw', null, 5_001) });
      expectObservable(siteState$(site, src).pipe(map(view)), '^ 100s !').toBe('A 5s B', {
        A: { atMs: 0, grid: 450, gridQ: 'good', batteryAvailable: false },
        B: { atMs: 5_001, grid: null, gridQ: 'bad', batteryAvailable: false },
      });
    });
  });

  it('treats a good reading carrying NaN as bad', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('a', { a: { ...t('grid', 'powerKw', 0, 0), value: Number.NaN } });
      expectObservable(siteState$(site, src).pipe(map(view)), '^ 1s !').toBe('A', {
        A: { atMs: 0, grid: null, gridQ: 'bad', batteryAvailable: false },
      });
    });
  });

  it('propagates errors and unsubscribes from the source', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('a 3s #', { a: t('grid', 'powerKw', 450, 0) }, new Error('boom'));
      expectObservable(siteState$(site, src).pipe(map((s) => s.gridPowerKw.value))).toBe(
        'a 3s #',
        { a: 450 },
        new Error('boom'),
      );
      expectSubscriptions(src.subscriptions).toBe('^ 3s !');
    });
  });

  it('emits plain objects that survive a JSON round trip', () => {
    const seen: SiteState[] = [];
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('abc', {
        a: t('grid', 'powerKw', 450, 0),
        b: t('bess', 'powerKw', 20, 1),
        c: t('bess', 'socPct', 95, 2),
      });
      const out = siteState$(site, src).pipe(map((s) => seen.push(s)));
      expectObservable(out, '^ 1s !').toBe('123', { 1: 1, 2: 2, 3: 3 });
    });
    expect(seen).toHaveLength(3);
    for (const s of seen) expect(JSON.parse(JSON.stringify(s))).toStrictEqual(s);
    // The last one has every part filled in, the envelope included.
    expect(seen[2]?.flexibility.decreaseKw).toBeGreaterThan(0);
  });
});

describe('siteState$ with coalesce (the live runtime)', () => {
  it('emits one state per burst of readings delivered together, holding all of them; each burst its own', async () => {
    const { Subject } = await import('rxjs');
    const src = new Subject<Telemetry>();
    const got: SiteState[] = [];
    const sub = siteState$(site, src, { coalesce: true, nowMs: () => 5 }).subscribe((s) => got.push(s));
    // One battery message: its metrics arrive one by one, synchronously.
    src.next(t('grid', 'powerKw', 500, 1));
    src.next(t('bess', 'powerKw', -40, 1));
    src.next(t('bess', 'socPct', 55, 1));
    expect(got).toHaveLength(0); // nothing yet: the burst is summarised once, after it
    await Promise.resolve();
    expect(got).toHaveLength(1);
    expect([got[0]?.gridPowerKw.value, got[0]?.batteryPowerKw?.value, got[0]?.batterySocPct?.value]).toEqual([500, -40, 55]);
    src.next(t('grid', 'powerKw', 510, 2));
    await Promise.resolve();
    expect(got.map((s) => s.gridPowerKw.value)).toEqual([500, 510]);
    sub.unsubscribe();
    // Without it, a state per reading.
    const each: SiteState[] = [];
    const sub2 = siteState$(site, src, { nowMs: () => 5 }).subscribe((s) => each.push(s));
    src.next(t('grid', 'powerKw', 520, 3));
    src.next(t('bess', 'powerKw', -30, 3));
    expect(each).toHaveLength(2);
    sub2.unsubscribe();
  });
});
