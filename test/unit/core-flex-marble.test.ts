import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { siteState$, withEvSessions } from '../../src/core/index.js';
import type { Metric, Site, SiteState, Telemetry } from '../../src/domain/index.js';
import { TEST_ASSET_BASE } from '../helpers/assets.js';
import { testEv, testHvac } from '../helpers/flex-assets.js';

/** 2025-07-15T08:00:00+08:00: the car wants 40 kWh by 17:30 (9.5 h; 9.25 h with the margin). */
const T0 = Date.parse('2025-07-15T08:00:00+08:00');
const ev = testEv('ev-1', { departs: '17:30', energyNeededKwh: 40, staleAfterS: 30 });
const chiller = testHvac('chiller', { staleAfterS: 30 });
const site: Site = {
  id: 's1', name: 's1', timezone: 'Asia/Shanghai', gridImportLimitKw: 500,
  assets: [{ ...TEST_ASSET_BASE, id: 'grid', kind: 'meter', staleAfterS: 30 }, ev, chiller],
};
const t = (assetId: string, metric: Metric, value: number, atMs: number): Telemetry => ({ siteId: 's1', assetId, metric, value, quality: 'good', atMs });

interface View {
  readonly delivered: number | undefined;
  readonly decreaseKw: number;
  readonly evKw: number | null | undefined;
}
const view = (s: SiteState): View => ({
  delivered: s.evSessions?.['ev-1']?.deliveredKwh,
  decreaseKw: Math.round(s.flexibility.decreaseKw * 1000) / 1000,
  evKw: s.evPowerKw?.value,
});

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('siteState$ with EV chargers and HVAC units', () => {
  it('opens the EV session when the car plugs in, counts its energy, and the envelope follows', () => {
    scheduler().run(({ hot, expectObservable }) => {
      // p: power 22, c: connected, e: register 100 kWh; f: register 110 (10 kWh in); u: unplugged.
      const src = hot('p c e 10s f 10s u', {
        p: t('ev-1', 'powerKw', 22, T0),
        c: t('ev-1', 'connected', 1, T0 + 1),
        e: t('ev-1', 'energyImportKwh', 100, T0 + 2),
        f: t('ev-1', 'energyImportKwh', 110, T0 + 10_003),
        u: t('ev-1', 'connected', 0, T0 + 20_004),
      });
      const out = siteState$(site, src).pipe(map(view));
      // 40 kWh in 9.25 h: floor 4.324 kW, 17.676 kW to shed; then 30 kWh in ~9.247 h: 3.244 -> minKw 4.14.
      expectObservable(out, '^ 29s !').toBe('a b c 10s d 10s e', {
        a: { delivered: undefined, decreaseKw: 0, evKw: 22 },
        b: { delivered: undefined, decreaseKw: 0, evKw: 22 },
        c: { delivered: 0, decreaseKw: Math.round((22 - 40 / 9.25) * 1000) / 1000, evKw: 22 },
        d: { delivered: 10, decreaseKw: 17.86, evKw: 22 },
        e: { delivered: undefined, decreaseKw: 0, evKw: 22 },
      });
    });
  });

  it('keeps the session while the charger is unseen (stale), and offers nothing meanwhile', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('(pce) 40s f', {
        p: t('ev-1', 'powerKw', 22, T0),
        c: t('ev-1', 'connected', 1, T0),
        e: t('ev-1', 'energyImportKwh', 100, T0),
        f: t('ev-1', 'energyImportKwh', 105, T0 + 40_000),
      });
      const out = siteState$(site, src).pipe(map(view));
      // Each metric goes stale 30 s after it arrived (three emissions at 30 s); the register then
      // comes back and counts on, while `connected` stays stale (nothing offered).
      expectObservable(out, '^ 60s !').toBe('(abc) 29.995s (sss) 10s f', {
        a: { delivered: undefined, decreaseKw: 0, evKw: 22 },
        b: { delivered: undefined, decreaseKw: 0, evKw: 22 },
        c: { delivered: 0, decreaseKw: Math.round((22 - 40 / 9.25) * 1000) / 1000, evKw: 22 },
        s: { delivered: 0, decreaseKw: 0, evKw: 22 },
        f: { delivered: 5, decreaseKw: 0, evKw: 22 },
      });
    });
  });

  it('a chiller reaching its band edge stops offering its power', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('(pt) 5s u', {
        p: t('chiller', 'powerKw', 60, T0),
        t: t('chiller', 'temperatureC', 24, T0),
        u: t('chiller', 'temperatureC', 25.95, T0 + 5_000),
      });
      const out = siteState$(site, src).pipe(map((s) => s.flexibility.decreaseKw));
      expectObservable(out, '^ 10s !').toBe('(ab) 5s c', { a: 0, b: 60, c: 0 });
    });
  });

  it('withEvSessions passes errors through and stops on unsubscribe', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const s = { siteId: 's1', atMs: T0, assets: {}, flexibility: { decreaseKw: 0, decreaseDurationS: 0, increaseKw: 0, increaseDurationS: 0 } } as unknown as SiteState;
      const src = cold('a 5s #', { a: s });
      expectObservable(src.pipe(withEvSessions(site), map((x) => x.evSessions))).toBe('a 5s #', { a: {} });
      const long = cold('a 10s a', { a: s });
      expectObservable(long.pipe(withEvSessions(site)), '^ 3s !').toBe('a', { a: { ...s, evSessions: {} } });
      expectSubscriptions(long.subscriptions).toBe('^ 3s !');
    });
  });

  it('withEvSessions passes a site without chargers through untouched, and errors through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const plain: Site = { ...site, assets: [site.assets[0]!] };
      const s = { siteId: 's1' } as unknown as SiteState;
      expectObservable(cold('a#', { a: s }).pipe(withEvSessions(plain))).toBe('a#', { a: s });
    });
  });
});
