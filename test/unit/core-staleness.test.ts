import { Subject, VirtualTimeScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { staleAfter } from '../../src/core/index.js';
import { VppError, type Reading } from '../../src/domain/index.js';

const LIMIT_MS = 60_000;
const good = (value: number, atMs: number): Reading => ({ value, quality: 'good', atMs });
const a = good(10, 0);
const b = good(11, 59_001);
const sa: Reading = { ...a, quality: 'stale' };
const sb: Reading = { ...b, quality: 'stale' };
const bad: Reading = { value: null, quality: 'bad', atMs: 5 };

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('staleAfter', () => {
  it('re-emits readings and restarts the limit on each fresh one', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('a 59s b', { a, b });
      // b arrives 1 ms before a would go stale; b goes stale 60 s after its own arrival.
      expectObservable(src.pipe(staleAfter(LIMIT_MS)), '^ 200s !').toBe('a 59s b 59.999s s', { a, b, s: sb });
    });
  });

  it('goes stale at exactly the limit, not a frame earlier or later', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('a', { a });
      expectObservable(src.pipe(staleAfter(LIMIT_MS)), '^ 100s !').toBe('a 59.999s s', { a, s: sa });
    });
  });

  it('recovers to good when a fresh reading follows a stale one', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const c = good(12, 90_000);
      const src = hot('a 89.999s c', { a, c });
      expectObservable(src.pipe(staleAfter(LIMIT_MS)), '^ 100s !').toBe('a 59.999s s 29.999s c', {
        a,
        s: sa,
        c,
      });
    });
  });

  it('does not count a repeated or older timestamp as fresh', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const repeat = good(10, 0);
      const older = good(9, -5);
      const src = hot('a 30s r 10s o', { a, r: repeat, o: older });
      expectObservable(src.pipe(staleAfter(LIMIT_MS)), '^ 100s !').toBe('a 59.999s s', { a, s: sa });
    });
  });

  it('passes bad readings at once, never marks them stale, and a bad reading stops the timer', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('a 10s x', { a, x: bad });
      expectObservable(src.pipe(staleAfter(LIMIT_MS)), '^ 200s !').toBe('a 10s x', { a, x: bad });
    });
  });

  it('propagates errors and cancels the pending stale transition', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('a 10s #', { a }, new Error('adapter died'));
      expectObservable(src.pipe(staleAfter(LIMIT_MS))).toBe('a 10s #', { a }, new Error('adapter died'));
      expectSubscriptions(src.subscriptions).toBe('^ 10s !');
    });
  });

  it('on completion still delivers the stale transition, then completes', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const src = hot('a 10s |', { a });
      expectObservable(src.pipe(staleAfter(LIMIT_MS))).toBe('a 59.999s (s|)', { a, s: sa });
    });
  });

  it('unsubscribing tears down the source and the stale timer', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('a', { a });
      expectObservable(src.pipe(staleAfter(LIMIT_MS)), '^ 30s !').toBe('a', { a });
      expectSubscriptions(src.subscriptions).toBe('^ 30s !');
    });
    // The same, checked on the scheduler's queue: no timer left behind.
    const virtual = new VirtualTimeScheduler();
    const input = new Subject<Reading>();
    const seen: Reading[] = [];
    const sub = input.pipe(staleAfter(LIMIT_MS, virtual)).subscribe((r) => seen.push(r));
    input.next(a);
    expect(virtual.actions).toHaveLength(1);
    sub.unsubscribe();
    virtual.flush();
    expect(seen).toEqual([a]);
    expect(virtual.actions).toHaveLength(0);
  });

  it('rejects a limit that is not a finite positive number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => staleAfter(bad)).toThrow(VppError);
      try {
        staleAfter(bad);
      } catch (e) {
        expect((e as VppError).code).toBe('CORE_STALE_LIMIT_INVALID');
        expect((e as VppError).message).toContain('staleAfterMs');
      }
    }
  });
});
