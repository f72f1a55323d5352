import { describe, expect, it } from 'vitest';
import { SimClock } from '../../simulators/scenario/index.js';

const START = Date.parse('2025-07-15T10:45:00+08:00');

describe('SimClock', () => {
  it('runs at `speed` sim seconds per wall second', () => {
    let wall = 1000;
    const clock = new SimClock({ startMs: START, speed: 60, wallNowMs: () => wall });
    expect(clock.nowMs()).toBe(START);
    wall += 1500;
    expect(clock.nowMs()).toBe(START + 90_000);
  });

  it('adds manual advances on top of wall time', () => {
    let wall = 0;
    const clock = new SimClock({ startMs: START, speed: 2, wallNowMs: () => wall });
    clock.advance(10);
    wall += 1000;
    expect(clock.nowMs()).toBe(START + 12_000);
  });

  it('with speed 0 moves only through advance()', () => {
    let wall = 0;
    const clock = new SimClock({ startMs: START, speed: 0, wallNowMs: () => wall });
    wall += 1e9;
    expect(clock.nowMs()).toBe(START);
    clock.advance(1.5);
    clock.advance(0);
    expect(clock.nowMs()).toBe(START + 1500);
  });

  it('follows the real monotonic clock by default', () => {
    const clock = new SimClock({ startMs: START, speed: 1000 });
    const before = performance.now();
    const a = clock.nowMs();
    while (performance.now() - before < 5); // a few ms of real time, busy: nothing to await
    const b = clock.nowMs();
    expect(a).toBeGreaterThanOrEqual(START);
    expect(b - a).toBeGreaterThanOrEqual(4000);
  });

  it('rejects bad numbers naming the field', () => {
    expect(() => new SimClock({ startMs: START, speed: -1 })).toThrow(/clock speed must be >= 0, got -1/);
    expect(() => new SimClock({ startMs: Number.NaN, speed: 1 })).toThrow(expect.objectContaining({ code: 'SIM_OPTION_INVALID' }));
    expect(() => new SimClock({ startMs: START, speed: 1 }).advance(-2)).toThrow(/advance dtS/);
  });
});
