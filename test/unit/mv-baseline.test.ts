import { describe, expect, it } from 'vitest';
import {
  chinaCalendarSpec, highFiveOfTen, holidayCalendar, localDate, meterBeforeMeterAfter, tenOfTen, wallTimeToMs,
  type BaselineInput, type BaselineResult, type IntervalPoint,
} from '../../src/mv/index.js';
import { localMinuteOfDay } from '../../src/schedule/index.js';

const at = (iso: string): number => Date.parse(iso);
const SH = 'Asia/Shanghai';
const cn = holidayCalendar(chinaCalendarSpec(SH));

interface Slot { atMs: number; date: string; minute: number }
const grids = new Map<string, Slot[]>();

/** Quarter hours over local dates [from, to) with their local date and minute (cached: Intl is slow). */
function grid(tz: string, from: string, to: string): Slot[] {
  const key = `${tz} ${from} ${to}`;
  let g = grids.get(key);
  if (g === undefined) {
    g = [];
    const end = wallTimeToMs(to, 0, tz);
    for (let t = wallTimeToMs(from, 0, tz); t < end; t += 900_000) g.push({ atMs: t, date: localDate(t, tz), minute: localMinuteOfDay(t, tz) });
    grids.set(key, g);
  }
  return g;
}

/** Quarter-hour points, value by local date and minute of day (undefined = gap). */
function series(tz: string, from: string, to: string, kw: (date: string, minute: number) => number | undefined): IntervalPoint[] {
  const out: IntervalPoint[] = [];
  for (const s of grid(tz, from, to)) {
    const v = kw(s.date, s.minute);
    if (v !== undefined) out.push({ atMs: s.atMs, value: v });
  }
  return out;
}

function ok(r: BaselineResult): Extract<BaselineResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected a baseline, got: ${r.reason}`);
  return r;
}

// Event Tue 2025-10-14 14:00-16:00 +08:00. Business days back from it (China 2025 calendar):
// 10-13 Mon, 10-11 Sat (调休 workday), 10-10, 10-09, [10-01..10-08 National Day: skipped],
// 09-30, 09-29, 09-28 Sun (调休 workday), 09-26, 09-25, 09-24; then 09-23, 09-22 if needed.
const L: Record<string, number> = {
  '2025-10-13': 130, '2025-10-11': 190, '2025-10-10': 100, '2025-10-09': 170, '2025-09-30': 120,
  '2025-09-29': 180, '2025-09-28': 110, '2025-09-26': 160, '2025-09-25': 140, '2025-09-24': 150,
  '2025-09-23': 200, '2025-09-22': 210,
};
// Sum of the first ten = 1450, mean 145.
const EVENT = { startMs: at('2025-10-14T14:00:00+08:00'), endMs: at('2025-10-14T16:00:00+08:00') };

/**
 * Like days: L(date) all day, +20 kW from 15:00 (so the two event hours differ). Holidays and
 * weekends: 1000 kW, which would show at once if one were wrongly taken. Event day: `eventDayKw`
 * before the event, 50 kW during it (never read by a baseline).
 */
function shanghaiInput(eventDayKw: number, drop?: { date: string; minute: number }): BaselineInput {
  const points = series(SH, '2025-09-01', '2025-10-15', (date, minute) => {
    if (drop && date === drop.date && minute === drop.minute) return undefined;
    if (date === '2025-10-14') return minute >= 14 * 60 ? 50 : eventDayKw;
    return (L[date] ?? 1000) + (minute >= 15 * 60 ? 20 : 0);
  });
  return { calendar: cn, event: EVENT, intervalS: 900, series: points };
}

const quarterHours = (first: number, second: number): number[] => [first, first, first, first, second, second, second, second];

describe('tenOfTen (CAISO 10-of-10, Asia/Shanghai, no DST)', () => {
  it('skips the National Day holidays and takes the 调休 Saturday and Sunday as business days', () => {
    const r = ok(tenOfTen(shanghaiInput(159.5)));
    expect(r.daysUsed).toEqual([
      '2025-10-13', '2025-10-11', '2025-10-10', '2025-10-09', '2025-09-30',
      '2025-09-29', '2025-09-28', '2025-09-26', '2025-09-25', '2025-09-24',
    ]);
    expect(r.unadjustedKw).toEqual(quarterHours(145, 165));
    // Adjustment window 10:00-13:00 (first three of the four hours before 14:00): like days 145,
    // event day 159.5 → ratio 1.1, inside the cap: 145 × 1.1 = 159.5, 165 × 1.1 = 181.5.
    expect(r.adjustment).toMatchObject({ windowStartMs: at('2025-10-14T10:00:00+08:00'), windowEndMs: at('2025-10-14T13:00:00+08:00'), actualKw: 159.5, baselineKw: 145, capped: false });
    expect(r.adjustment?.ratio).toBeCloseTo(1.1, 12);
    r.baselineKw.forEach((v, k) => expect(v).toBeCloseTo(quarterHours(159.5, 181.5)[k] as number, 9));
  });

  it('caps the same-day adjustment at +20 %', () => {
    // Event day 290 kW before the event: raw ratio 290 / 145 = 2.0, capped to 1.2: 174, 198.
    const r = ok(tenOfTen(shanghaiInput(290)));
    expect(r.adjustment).toMatchObject({ rawRatio: 2, ratio: 1.2, capped: true });
    r.baselineKw.forEach((v, k) => expect(v).toBeCloseTo(quarterHours(174, 198)[k] as number, 9));
  });

  it('caps the same-day adjustment at -20 %', () => {
    // 72.5 / 145 = 0.5, capped to 0.8: 145 × 0.8 = 116, 165 × 0.8 = 132.
    const r = ok(tenOfTen(shanghaiInput(72.5)));
    expect(r.adjustment).toMatchObject({ rawRatio: 0.5, ratio: 0.8, capped: true });
    r.baselineKw.forEach((v, k) => expect(v).toBeCloseTo(quarterHours(116, 132)[k] as number, 9));
  });

  it('skips a day with one missing interval in the window and takes the next older like day', () => {
    // 10-10 (100 kW) loses its 14:30 quarter hour; 09-23 (200 kW) comes in: (1450 - 100 + 200) / 10 = 155.
    const r = ok(tenOfTen(shanghaiInput(0, { date: '2025-10-10', minute: 14 * 60 + 30 }), { adjustment: false }));
    expect(r.daysUsed).not.toContain('2025-10-10');
    expect(r.daysUsed.at(-1)).toBe('2025-09-23');
    expect(r.skipped).toEqual([{ date: '2025-10-10', reason: 'missingData' }]);
    expect(r.baselineKw).toEqual(quarterHours(155, 175));
    expect(r.adjustment).toBeNull();
  });

  it('also skips a day with a gap in its adjustment window', () => {
    const r = ok(tenOfTen(shanghaiInput(145, { date: '2025-10-09', minute: 11 * 60 })));
    // (1450 - 170 + 200) / 10 = 148; event day 145 / 148 → ratio 0.9797...
    expect(r.unadjustedKw).toEqual(quarterHours(148, 168));
    expect(r.adjustment?.ratio).toBeCloseTo(145 / 148, 12);
  });

  it("excludes the site's other event days", () => {
    const r = ok(tenOfTen({ ...shanghaiInput(0), excludeDates: ['2025-10-13'] }, { adjustment: false }));
    // (1450 - 130 + 200) / 10 = 152.
    expect(r.skipped).toEqual([{ date: '2025-10-13', reason: 'eventDay' }]);
    expect(r.baselineKw).toEqual(quarterHours(152, 172));
  });

  it('takes non-business like days for a weekend event: holidays count, the 调休 Saturday does not', () => {
    const sat = { startMs: at('2025-10-18T14:00:00+08:00'), endMs: at('2025-10-18T15:00:00+08:00') };
    const points = series(SH, '2025-09-01', '2025-10-19', (date) => (cn.isBusinessDay(date) ? 1000 : 40));
    const r = ok(tenOfTen({ calendar: cn, event: sat, intervalS: 900, series: points }, { adjustment: false }));
    expect(r.daysUsed).toEqual([
      '2025-10-12', '2025-10-08', '2025-10-07', '2025-10-06', '2025-10-05',
      '2025-10-04', '2025-10-03', '2025-10-02', '2025-10-01', '2025-09-27',
    ]);
    expect(r.baselineKw).toEqual([40, 40, 40, 40]);
  });

  it('refuses, with a reason, when too few like days have data, never giving a zero baseline', () => {
    const r = tenOfTen(shanghaiInput(145), { lookbackDays: 10 });
    expect(r).toEqual({ ok: false, method: 'tenOfTen', reason: 'found 4 complete business like days in the 10 days before 2025-10-14, need 10' });
    const noMorning = tenOfTen({ ...shanghaiInput(145), series: shanghaiInput(145).series.filter((p) => p.atMs < at('2025-10-14T00:00:00+08:00')) });
    expect(noMorning.ok).toBe(false);
    expect(!noMorning.ok && noMorning.reason).toMatch(/event day 2025-10-14 lacks good data in the adjustment window/);
  });

  it('treats a NaN or bad-quality point as missing, not as 0', () => {
    const input = shanghaiInput(0);
    const t = at('2025-10-13T14:00:00+08:00');
    const nan = input.series.map((p) => (p.atMs === t ? { ...p, value: Number.NaN } : p));
    const bad = input.series.map((p) => (p.atMs === t ? { ...p, quality: 'bad' as const } : p));
    for (const s of [nan, bad]) {
      const r = ok(tenOfTen({ ...input, series: s }, { adjustment: false }));
      expect(r.skipped).toEqual([{ date: '2025-10-13', reason: 'missingData' }]);
    }
  });

  it('refuses malformed input, naming the field', () => {
    const input = shanghaiInput(0);
    expect(() => tenOfTen({ ...input, intervalS: 0 })).toThrow(/mv: intervalS must be > 0, got 0/);
    expect(() => tenOfTen({ ...input, event: { ...EVENT, endMs: EVENT.startMs + 600_000 } })).toThrow(/event\.endMs must be a whole number of 900 s intervals/);
    expect(() => tenOfTen({ ...input, series: [{ atMs: EVENT.startMs + 60_000, value: 1 }] })).toThrow(/series\[0\]\.atMs must lie on the 900 s grid/);
    expect(() => tenOfTen(input, { adjustment: { windowH: 3, gapH: 1, capPct: 120 } })).toThrow(/options\.adjustment\.capPct must be in \[0, 100\), got 120/);
  });
});

describe('highFiveOfTen', () => {
  it('averages the 5 like days with the highest load over the event window', () => {
    // Of the ten: 190 (10-11), 180 (09-29), 170 (10-09), 160 (09-26), 150 (09-24) → 170; +20 → 190.
    const r = ok(highFiveOfTen(shanghaiInput(0), { adjustment: false }));
    expect(r.daysUsed).toEqual(['2025-10-11', '2025-10-09', '2025-09-29', '2025-09-26', '2025-09-24']);
    expect(r.baselineKw).toEqual(quarterHours(170, 190));
  });

  it('applies the capped same-day adjustment against those five days', () => {
    // Five days' window mean 170; event day 204 → ratio 1.2 exactly, not capped: 204, 228.
    const r = ok(highFiveOfTen(shanghaiInput(204)));
    expect(r.adjustment?.ratio).toBeCloseTo(1.2, 12);
    r.baselineKw.forEach((v, k) => expect(v).toBeCloseTo(quarterHours(204, 228)[k] as number, 9));
  });
});

describe('meterBeforeMeterAfter', () => {
  const points = series(SH, '2025-10-14', '2025-10-15', (_d, minute) => (minute === 13 * 60 + 30 ? 280 : minute === 13 * 60 + 45 ? 300 : 10));

  it('holds the interval(s) before the event start over the window', () => {
    expect(ok(meterBeforeMeterAfter({ calendar: cn, event: EVENT, intervalS: 900, series: points })).baselineKw).toEqual(new Array(8).fill(300));
    expect(ok(meterBeforeMeterAfter({ calendar: cn, event: EVENT, intervalS: 900, series: points }, { intervals: 2 })).baselineKw).toEqual(new Array(8).fill(290));
  });

  it('refuses when the meter-before interval is missing', () => {
    const gap = points.filter((p) => p.atMs !== at('2025-10-14T13:45:00+08:00'));
    const r = meterBeforeMeterAfter({ calendar: cn, event: EVENT, intervalS: 900, series: gap });
    expect(r.ok).toBe(false);
  });
});

describe('tenOfTen across a DST change (Europe/Berlin)', () => {
  it('matches like days by local wall time on both sides of the spring change', () => {
    const berlin = holidayCalendar({ timezone: 'Europe/Berlin', holidays: [], workdays: [] });
    // Load 500 kW in the local 14:00 hour, 100 kW otherwise. Event Tue 1 Apr 14:00-15:00 CEST.
    // Like days 31 Mar (CEST) back to 18 Mar (CET): a fixed 24 h step from the event would read
    // 13:00-14:00 local on the CET days and give 100 there.
    const points = series('Europe/Berlin', '2025-03-10', '2025-04-02', (date, minute) =>
      date === '2025-04-01' && minute >= 14 * 60 ? 20 : Math.floor(minute / 60) === 14 ? 500 : 100,
    );
    const event = { startMs: at('2025-04-01T14:00:00+02:00'), endMs: at('2025-04-01T15:00:00+02:00') };
    const r = ok(tenOfTen({ calendar: berlin, event, intervalS: 900, series: points }));
    expect(r.daysUsed).toEqual(['2025-03-31', '2025-03-28', '2025-03-27', '2025-03-26', '2025-03-25', '2025-03-24', '2025-03-21', '2025-03-20', '2025-03-19', '2025-03-18']);
    expect(r.baselineKw).toEqual([500, 500, 500, 500]);
    expect(r.adjustment?.ratio).toBe(1);
  });
});
