import { EMPTY } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  fleetState$,
  parseSiteSummary,
  summariseSite,
  toSiteSummary,
  type FleetState,
  type SiteSummary,
} from '../../src/core/index.js';
import { VppError, type Asset, type AssetState, type Reading, type Site } from '../../src/domain/index.js';
import { TEST_ASSET_BASE, testBattery } from '../helpers/assets.js';

const T0 = 1_750_000_000_000;
const good = (value: number, atMs = T0): Reading => ({ value, quality: 'good', atMs });
const meter: Asset = { ...TEST_ASSET_BASE, id: 'grid', kind: 'meter' };
const site: Site = {
  id: 'plant-1',
  name: 'Plant 1',
  timezone: 'Asia/Shanghai',
  gridImportLimitKw: 800,
  gridExportLimitKw: 200,
  assets: [meter, testBattery('b1'), testBattery('b2')],
};

function stateOf(b2: 'good' | 'stale'): ReturnType<typeof summariseSite> {
  const states: Record<string, AssetState> = {
    grid: { assetId: 'grid', kind: 'meter', readings: { powerKw: good(650) }, available: true },
    b1: { assetId: 'b1', kind: 'battery', readings: { powerKw: good(-20), socPct: good(60) }, available: true },
    b2:
      b2 === 'good'
        ? { assetId: 'b2', kind: 'battery', readings: { powerKw: good(0), socPct: good(30) }, available: true }
        : {
            assetId: 'b2',
            kind: 'battery',
            readings: { powerKw: good(0), socPct: { value: 30, quality: 'stale', atMs: T0 - 60_000 } },
            available: false,
          },
  };
  return summariseSite(site, states, T0);
}

/** A summary for the operator tests: only the fields the fleet reads differ. */
function summary(siteId: string, atMs: number, decreaseKw: number, increaseKw: number, gridKw: number | null = 100): SiteSummary {
  return {
    siteId,
    atMs,
    quality: gridKw === null ? 'bad' : 'good',
    gridPowerKw: { value: gridKw, quality: gridKw === null ? 'bad' : 'good' },
    flexibility: { decreaseKw, decreaseDurationS: 3600, increaseKw, increaseDurationS: 3600 },
    batteries: { available: 1, total: 1 },
  };
}

function fleet(nowMs: number, sites: SiteSummary[], stale: string[] = []): FleetState {
  const good = sites.filter((s) => !stale.includes(s.siteId) && s.quality === 'good');
  return {
    atMs: nowMs,
    sites: Object.fromEntries(sites.map((s) => [s.siteId, s])),
    staleSiteIds: [...stale].sort(),
    goodSiteIds: good.map((s) => s.siteId).sort(),
    totals: {
      decreaseKw: good.reduce((a, s) => a + s.flexibility.decreaseKw, 0),
      increaseKw: good.reduce((a, s) => a + s.flexibility.increaseKw, 0),
      gridPowerKw: good.reduce((a, s) => a + (s.gridPowerKw.value ?? 0), 0),
    },
  };
}

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('toSiteSummary / parseSiteSummary', () => {
  it('summarises a SiteState without asset detail, and survives a JSON round trip unchanged', () => {
    const s = toSiteSummary(stateOf('good'), site);
    expect(s).toMatchObject({
      siteId: 'plant-1',
      atMs: T0,
      quality: 'good',
      gridPowerKw: { value: 650, quality: 'good' },
      batteries: { available: 2, total: 2 },
      limits: { gridImportLimitKw: 800, gridExportLimitKw: 200 },
    });
    // b1 already discharges 20 of its 250 kW: 230 more down, 270 up; b2 idle: 250 each way.
    expect(s.flexibility.decreaseKw).toBeCloseTo(230 + 250, 6);
    expect(s.flexibility.increaseKw).toBeCloseTo(270 + 250, 6);
    expect(s).not.toHaveProperty('assets');
    const wire = JSON.stringify(s);
    expect(JSON.parse(wire)).toStrictEqual(s);
    expect(parseSiteSummary(wire)).toStrictEqual(s);
    expect(parseSiteSummary(JSON.parse(wire))).toStrictEqual(s);
  });

  it('a stale battery shrinks the envelope and the available count, not the site quality', () => {
    const s = toSiteSummary(stateOf('stale'));
    expect(s.batteries).toEqual({ available: 1, total: 2 });
    expect(s.flexibility.decreaseKw).toBeCloseTo(230, 6);
    // Capacity-weighted mean of 60 and 30, stale with its input: shown, never dispatched on.
    expect(s.batterySocPct).toEqual({ value: 45, quality: 'stale' });
    expect(s.quality).toBe('good');
    expect(s).not.toHaveProperty('limits');
    expect(JSON.parse(JSON.stringify(s))).toStrictEqual(s);
  });

  it('a bad grid meter makes the summary bad, with null (never 0) as the value', () => {
    const st = stateOf('good');
    const s = toSiteSummary({ ...st, gridPowerKw: { value: null, quality: 'bad', atMs: T0 } });
    expect(s.quality).toBe('bad');
    expect(s.gridPowerKw).toEqual({ value: null, quality: 'bad' });
  });

  const valid = toSiteSummary(stateOf('good'), site);
  const cases: [string, unknown, RegExp][] = [
    ['negative flexibility', { ...valid, flexibility: { ...valid.flexibility, decreaseKw: -5 } }, /flexibility\.decreaseKw must be >= 0, got -5/],
    ['Infinity (JSON turns it into null)', JSON.stringify({ ...valid, flexibility: { ...valid.flexibility, increaseDurationS: Infinity } }), /flexibility\.increaseDurationS must be number, got null/],
    ['missing siteId', (({ siteId: _omit, ...rest }) => rest)(valid), /siteId is required/],
    ['an asset-level field', { ...valid, assets: {} }, /assets is not a field of a site summary/],
    ['unknown quality', { ...valid, gridPowerKw: { value: 1, quality: 'fine' } }, /gridPowerKw\.quality must be equal to one of the allowed values, got "fine"/],
    ['good without a value', { ...valid, gridPowerKw: { value: null, quality: 'good' } }, /gridPowerKw\.value must be a number when quality is good, got null/],
    ['bad with a value', { ...valid, pvPowerKw: { value: 0, quality: 'bad' } }, /pvPowerKw\.value must be null when quality is bad, got 0/],
    ['a string for a number', { ...valid, atMs: '2025-07-15' }, /atMs must be integer, got "2025-07-15"/],
    ['more available than configured', { ...valid, batteries: { available: 3, total: 2 } }, /batteries\.available must be <= batteries\.total \(2\), got 3/],
    ['not JSON', '{"siteId": ', /not JSON/],
    ['not an object', 42, /\(root\) must be object, got 42/],
  ];
  it.each(cases)('rejects %s, naming the field', (_name, input, message) => {
    let caught: unknown;
    try {
      parseSiteSummary(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(VppError);
    expect((caught as VppError).code).toBe('CORE_SUMMARY_INVALID');
    expect((caught as VppError).message).toMatch(message);
  });
});

describe('fleetState$', () => {
  const a1 = summary('a', 1, 100, 50);
  const b1 = summary('b', 1, 30, 20, 200);

  it('totals decrease/increase over good sites; a bad site is listed but not counted', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const c1 = summary('c', 1, 999, 999, null);
      const src = hot('a b c', { a: a1, b: b1, c: c1 });
      expectObservable(fleetState$(src, { staleAfterS: 60 }), '^ 10s !').toBe('x y z', {
        x: fleet(0, [a1]),
        y: fleet(1, [a1, b1]),
        z: {
          atMs: 2,
          sites: { a: a1, b: b1, c: c1 },
          staleSiteIds: [],
          goodSiteIds: ['a', 'b'],
          totals: { decreaseKw: 130, increaseKw: 70, gridPowerKw: 300 },
        },
      });
    });
  });

  it('a silent site goes stale at exactly staleAfterS after its summary arrived, and recovers', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const a2 = summary('a', 2, 80, 50);
      const src = hot('a 89.999s n', { a: a1, n: a2 });
      expectObservable(fleetState$(src, { staleAfterS: 60 }), '^ 100s !').toBe('x 59.999s s 29.999s y', {
        x: fleet(0, [a1]),
        s: fleet(60_000, [a1], ['a']),
        y: fleet(90_000, [a2]),
      });
    });
  });

  it('marks the silent site stale, drops it from the totals, keeps its last summary for display', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('a b 59.997s B', { a: a1, b: b1, B: { ...b1, atMs: 2 } });
      // a arrived at 0: stale at 60 s. b refreshed at 60 s - 1 ms: still good.
      expectObservable(fleetState$(src, { staleAfterS: 60 }), '^ 61s !').toBe('x y 59.997s z s', {
        x: fleet(0, [a1]),
        y: fleet(1, [a1, b1]),
        z: fleet(59_999, [a1, { ...b1, atMs: 2 }]),
        s: fleet(60_000, [a1, { ...b1, atMs: 2 }], ['a']),
      });
    });
  });

  it('with coalesceMs, emits one state per window: the latest, with every summary of the window in it', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const a2 = summary('a', 2, 80, 50);
      const src = hot('a b 497ms n 1s a', { a: a1, b: b1, n: a2 });
      // a at 0 opens a window that closes at 1 s with a2 and b1 in; the late repeat of a1 is ignored.
      expectObservable(fleetState$(src, { staleAfterS: 60, coalesceMs: 1000 }), '^ 3s !').toBe('1000ms x', { x: fleet(1000, [a2, b1]) });
    });
    expect(() => fleetState$(EMPTY, { staleAfterS: 60, coalesceMs: 0 })).toThrow(/coalesceMs must be a finite number > 0, got 0/);
  });

  it('a newer summary replaces the site; an older or repeated one is ignored', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const a5 = summary('a', 5, 40, 10);
      const a3 = summary('a', 3, 999, 999);
      const src = hot('a 9ms n 9ms o 9ms r', { a: a1, n: a5, o: a3, r: a5 });
      expectObservable(fleetState$(src, { staleAfterS: 60 }), '^ 1s !').toBe('x 9ms y', {
        x: fleet(0, [a1]),
        y: fleet(10, [a5]),
      });
    });
  });

  it('errors pass through and cancel stale timers; completion still delivers pending stale transitions', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const err = new Error('broker gone');
      expectObservable(fleetState$(hot('a 10s #', { a: a1 }, err), { staleAfterS: 60 })).toBe('x 10s #', { x: fleet(0, [a1]) }, err);
    });
    scheduler().run(({ hot, expectObservable }) => {
      expectObservable(fleetState$(hot('a 10s |', { a: a1 }), { staleAfterS: 60 })).toBe('x 59.999s (s|)', {
        x: fleet(0, [a1]),
        s: fleet(60_000, [a1], ['a']),
      });
    });
  });

  it('unsubscribing tears down the source and every stale timer', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('a b', { a: a1, b: b1 });
      expectObservable(fleetState$(src, { staleAfterS: 60 }), '^ 5s !').toBe('x y', { x: fleet(0, [a1]), y: fleet(1, [a1, b1]) });
      expectSubscriptions(src.subscriptions).toBe('^ 5s !');
    });
  });

  it('rejects a bad staleAfterS, naming it', () => {
    scheduler().run(({ hot }) => {
      expect(() => fleetState$(hot('a', { a: a1 }), { staleAfterS: 0 })).toThrow(/staleAfterS must be a finite number > 0, got 0/);
    });
  });
});
