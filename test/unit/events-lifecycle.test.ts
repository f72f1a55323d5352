import { describe, expect, it } from 'vitest';
import { VppError, type DrEvent, type DrInterval, type EventStatus } from '../../src/domain/index.js';
import {
  activeSignals,
  cancelEvent,
  eventStatus,
  EVENTS_OPT_OUT_CANCELLED,
  EVENTS_OPT_OUT_TOO_LATE,
  intervalWindow,
  optOut,
  randomizeFraction,
} from '../../src/events/index.js';

const T0 = Date.parse('2025-07-15T06:00:00Z');
const H = 3_600_000;
const M = 60_000;

function interval(startMs: number, durationS: number | null, valueKw = 450, over: Partial<DrInterval> = {}): DrInterval {
  return { id: 0, startMs, durationS, randomizeStartS: 0, signals: [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw }], ...over };
}

function event(over: Partial<DrEvent> = {}): DrEvent {
  return {
    id: 'ev-1', programId: 'p1', targets: [{ type: 'VEN_NAME', values: ['plant-1'] }],
    intervals: [interval(T0 + H, 7200)], createdAtMs: T0, modifiedAtMs: T0, optOuts: [], ...over,
  };
}

describe('eventStatus: pending -> active -> completed, cancelled when cancelled', () => {
  const rows: [string, DrEvent, number, EventStatus][] = [
    ['before the start', event(), T0, 'pending'],
    ['one ms before the start', event(), T0 + H - 1, 'pending'],
    ['at the start', event(), T0 + H, 'active'],
    ['one ms before the end', event(), T0 + 3 * H - 1, 'active'],
    ['at the end', event(), T0 + 3 * H, 'completed'],
    ['cancelled before the start, before the cancel', event({ cancelledAtMs: T0 + 30 * M }), T0 + 20 * M, 'pending'],
    ['cancelled before the start, at the cancel', event({ cancelledAtMs: T0 + 30 * M }), T0 + 30 * M, 'cancelled'],
    ['cancelled before the start, in its window', event({ cancelledAtMs: T0 + 30 * M }), T0 + 2 * H, 'cancelled'],
    ['cancelled before the start, after its end', event({ cancelledAtMs: T0 + 30 * M }), T0 + 4 * H, 'cancelled'],
    ['cancelled mid-event, before the cancel', event({ cancelledAtMs: T0 + 2 * H }), T0 + 90 * M, 'active'],
    ['cancelled mid-event, after', event({ cancelledAtMs: T0 + 2 * H }), T0 + 2 * H + 1, 'cancelled'],
    ['cancelled after it completed', event({ cancelledAtMs: T0 + 5 * H }), T0 + 6 * H, 'completed'],
    ['open-ended (PT0S): active long after', event({ intervals: [interval(T0 + H, null)] }), T0 + 1000 * H, 'active'],
    ['two intervals: active in the gap between them', event({ intervals: [interval(T0 + H, 3600), interval(T0 + 3 * H, 3600)] }), T0 + 2.5 * H, 'active'],
    ['two intervals: completed after the last', event({ intervals: [interval(T0 + H, 3600), interval(T0 + 3 * H, 3600)] }), T0 + 4 * H, 'completed'],
  ];
  it.each(rows)('%s', (_name, ev, nowMs, expected) => {
    expect(eventStatus(ev, nowMs)).toBe(expected);
  });

  it('cancelEvent records the time once', () => {
    const c = cancelEvent(event(), T0 + 10 * M);
    expect(c.cancelledAtMs).toBe(T0 + 10 * M);
    expect(c.modifiedAtMs).toBe(T0 + 10 * M);
    expect(cancelEvent(c, T0 + 20 * M)).toBe(c);
  });
});

describe('randomizeStart: deterministic per (event, site), spread across sites', () => {
  const ev = event({ intervals: [interval(T0 + H, 7200, 450, { randomizeStartS: 600 })] });
  it('the same site always gets the same delay, within [0, randomizeStart)', () => {
    const a = intervalWindow(ev, ev.intervals[0]!, 'plant-1');
    expect(intervalWindow(ev, ev.intervals[0]!, 'plant-1')).toEqual(a);
    expect(a.startMs - (T0 + H)).toBeGreaterThanOrEqual(0);
    expect(a.startMs - (T0 + H)).toBeLessThan(600_000);
    expect((a.startMs - (T0 + H)) % 1000).toBe(0);
    expect(a.endMs - a.startMs).toBe(7_200_000);
  });
  it('spreads sites over the window (mean near one half, all distinct)', () => {
    const f = Array.from({ length: 200 }, (_, i) => randomizeFraction('ev-1', `site-${i}`));
    expect(new Set(f).size).toBe(200);
    expect(f.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(f.reduce((a, b) => a + b, 0) / f.length).toBeGreaterThan(0.4);
    expect(f.reduce((a, b) => a + b, 0) / f.length).toBeLessThan(0.6);
    expect(randomizeFraction('ev-2', 'site-0')).not.toBe(f[0]);
  });
  it('a site whose start is delayed is still pending at the nominal start', () => {
    const delayMs = intervalWindow(ev, ev.intervals[0]!, 'plant-1').startMs - (T0 + H);
    expect(delayMs).toBeGreaterThan(0); // fixed by the seed; a zero draw would make this row pointless
    expect(eventStatus(ev, T0 + H, 'plant-1')).toBe('pending');
    expect(eventStatus(ev, T0 + H)).toBe('active');
    expect(eventStatus(ev, T0 + H + delayMs, 'plant-1')).toBe('active');
    expect(activeSignals([ev], 'plant-1', [], T0 + H)).toEqual([]);
    expect(activeSignals([ev], 'plant-1', [], T0 + H + delayMs)).toHaveLength(1);
    expect(eventStatus(ev, T0 + 3 * H + delayMs - 1, 'plant-1')).toBe('active');
    expect(eventStatus(ev, T0 + 3 * H + delayMs, 'plant-1')).toBe('completed');
  });
});

describe('activeSignals: what the control loop feeds to obligationsFrom', () => {
  const byName = event();
  const byGroup = event({ id: 'ev-g', targets: [{ type: 'GROUP', values: ['north'] }], intervals: [interval(T0 + H, 7200, 500)] });
  const toAll = event({ id: 'ev-all', targets: [], intervals: [{ ...interval(T0 + H, 7200), signals: [{ type: 'PRICE', pricePerKwh: 1.8 }] }] });
  const fleetShed = event({
    id: 'ev-fleet', priority: 1, targets: [{ type: 'GROUP', values: ['north'] }],
    intervals: [{ ...interval(T0 + H, 7200), signals: [{ type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -1000 }] }],
  });
  const twoSteps = event({
    id: 'ev-steps', intervals: [{ ...interval(T0 + H, 3600, 400), id: 1 }, { ...interval(T0 + 2 * H, 3600, 300), id: 2 }],
  });
  const now = T0 + 90 * M;

  it('targets by VEN_NAME, by GROUP, and events without targets reach every site', () => {
    expect(activeSignals([byName, byGroup, toAll], 'plant-1', [], now).map((s) => s.eventId)).toEqual(['ev-1', 'ev-all']);
    expect(activeSignals([byName, byGroup, toAll], 'plant-2', ['north'], now).map((s) => s.eventId)).toEqual(['ev-all', 'ev-g']);
    expect(activeSignals([byName, byGroup, toAll], 'plant-3', ['south'], now).map((s) => s.eventId)).toEqual(['ev-all']);
  });
  it('a capacity limit applies to each targeted site as it is', () => {
    expect(activeSignals([byGroup], 'plant-2', ['north'], now)).toEqual([{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 500, eventId: 'ev-g' }]);
  });
  it("a group's relative shed becomes the site's allocated share, or nothing without one", () => {
    expect(activeSignals([fleetShed], 'plant-2', ['north'], now)).toEqual([]);
    const share = (id: string): number | undefined => (id === 'ev-fleet' ? 240 : undefined);
    expect(activeSignals([fleetShed], 'plant-2', ['north'], now, { groupShareKw: share })).toEqual([
      { type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -240, eventId: 'ev-fleet' },
    ]);
  });
  it('the interval covering now gives the value', () => {
    expect(activeSignals([twoSteps], 'plant-1', [], T0 + 90 * M)[0]).toMatchObject({ valueKw: 400 });
    expect(activeSignals([twoSteps], 'plant-1', [], T0 + 2 * H)[0]).toMatchObject({ valueKw: 300 });
    expect(activeSignals([twoSteps], 'plant-1', [], T0 + 3 * H)).toEqual([]);
  });
  it('ordered by priority then id, whatever the input order; programme filter applies', () => {
    const share = (): number => 100;
    const a = activeSignals([toAll, byGroup, fleetShed], 'plant-2', ['north'], now, { groupShareKw: share });
    const b = activeSignals([fleetShed, toAll, byGroup], 'plant-2', ['north'], now, { groupShareKw: share });
    expect(a).toEqual(b);
    expect(a.map((s) => s.eventId)).toEqual(['ev-fleet', 'ev-all', 'ev-g']);
    expect(activeSignals([byName], 'plant-1', [], now, { programIds: ['p2'] })).toEqual([]);
  });
  it('pending, completed, cancelled and opted-out events give nothing', () => {
    expect(activeSignals([byName], 'plant-1', [], T0)).toEqual([]);
    expect(activeSignals([byName], 'plant-1', [], T0 + 3 * H)).toEqual([]);
    expect(activeSignals([cancelEvent(byName, T0 + 80 * M)], 'plant-1', [], now)).toEqual([]);
    const out = optOut(byGroup, 'plant-2', T0);
    expect(activeSignals([out], 'plant-2', ['north'], now)).toEqual([]);
    expect(activeSignals([out], 'plant-4', ['north'], now)).toHaveLength(1);
  });
});

describe('optOut: before the start only, recorded', () => {
  const ev = event();
  const rows: [string, DrEvent, number, string | null][] = [
    ['a day before', ev, T0 + H - 24 * H, null],
    ['one ms before the start', ev, T0 + H - 1, null],
    ['at the start', ev, T0 + H, EVENTS_OPT_OUT_TOO_LATE],
    ['mid-event', ev, T0 + 2 * H, EVENTS_OPT_OUT_TOO_LATE],
    ['after the end', ev, T0 + 5 * H, EVENTS_OPT_OUT_TOO_LATE],
    ['a cancelled event', cancelEvent(ev, T0), T0 + 10 * M, EVENTS_OPT_OUT_CANCELLED],
    [
      'randomised start: the nominal start binds, not the site\'s later one',
      event({ intervals: [interval(T0 + H, 7200, 450, { randomizeStartS: 600 })] }), T0 + H + 1, EVENTS_OPT_OUT_TOO_LATE,
    ],
  ];
  it.each(rows)('%s', (_name, e, nowMs, code) => {
    if (code === null) {
      const out = optOut(e, 'plant-1', nowMs, 'production run');
      expect(out.optOuts).toEqual([{ siteId: 'plant-1', atMs: nowMs, reason: 'production run' }]);
      expect(out.modifiedAtMs).toBe(nowMs);
      expect(optOut(out, 'plant-1', nowMs + 1)).toBe(out);
    } else {
      let thrown: unknown;
      try {
        optOut(e, 'plant-1', nowMs);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(VppError);
      expect((thrown as VppError).code).toBe(code);
      expect((thrown as VppError).message).toContain('ev-1');
    }
  });
});
