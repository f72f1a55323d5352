import type { DrEvent, Site } from '../domain/index.js';
import { meterBeforeMeterAfter, tenOfTen, type BaselineResult } from './baseline.js';
import { holidayCalendar, type HolidayCalendar } from './calendar.js';
import { chinaCalendarSpec } from './holidays/index.js';
import { intervalMeansKw, type IntervalPoint } from './series.js';

const DAY_MS = 86_400_000;
const H_MS = 3_600_000;
const LOOKBACK_DAYS = 45;
const LIKE_DAYS = 10;

/**
 * The one store read M&V makes: a site's metered series over a window, oldest first
 * (TimeSeriesStore satisfies it; mv does not import the store).
 */
export interface MeteredSeries {
  queryMetric(q: { readonly siteId: string; readonly metric: string; readonly fromMs: number; readonly toMs: number; readonly limit?: number }): Promise<readonly IntervalPoint[]>;
}
type Store = MeteredSeries;

export interface SiteBaseline {
  readonly result: BaselineResult;
  /** Why this method: the history the store holds, or why 10-of-10 was refused. */
  readonly why: string;
}

// Mainland China's zones use the State Council's holiday notices; elsewhere weekends only,
// until a site can configure its own calendar.
const CHINA_ZONES = new Set(['Asia/Shanghai', 'Asia/Chongqing', 'Asia/Harbin', 'Asia/Urumqi', 'PRC']);

export function siteCalendar(site: Site): HolidayCalendar {
  return holidayCalendar(CHINA_ZONES.has(site.timezone) ? chinaCalendarSpec(site.timezone) : { timezone: site.timezone, holidays: [], workdays: [] });
}

/** Interval means of the site's metered grid power over [fromMs, fromMs + n × intervalS), good intervals only. */
export async function gridMeans(store: Store, siteId: string, fromMs: number, intervalS: number, n: number): Promise<(number | null)[]> {
  if (n <= 0) return [];
  const samples = await store.queryMetric({ siteId, metric: 'gridPowerKw', fromMs, toMs: fromMs + n * intervalS * 1000 });
  return intervalMeansKw(samples, fromMs, intervalS, n);
}

function points(fromMs: number, intervalS: number, means: readonly (number | null)[]): IntervalPoint[] {
  const out: IntervalPoint[] = [];
  means.forEach((v, k) => {
    if (v !== null) out.push({ atMs: fromMs + k * intervalS * 1000, value: v });
  });
  return out;
}

/**
 * The site's baseline over [startMs, startMs + n × intervalS). CAISO 10-of-10 (same-day
 * adjusted) when the store holds at least 10 days of gridPowerKw before the event; else, or
 * when 10-of-10 finds too few complete like days, meter-before/meter-after on the interval just
 * before the start. The event day's data are read per day around the window (plus the
 * adjustment window), not the whole 45-day look-back at the meter's rate.
 */
export async function siteBaseline(store: Store, site: Site, ev: DrEvent, others: readonly DrEvent[], startMs: number, intervalS: number, n: number): Promise<SiteBaseline> {
  const calendar = siteCalendar(site);
  const event = { startMs, endMs: startMs + n * intervalS * 1000 };
  const mbma = async (why: string): Promise<SiteBaseline> => {
    const fromMs = startMs - intervalS * 1000;
    const series = points(fromMs, intervalS, await gridMeans(store, site.id, fromMs, intervalS, 1));
    return { result: meterBeforeMeterAfter({ calendar, event, intervalS, series }), why };
  };
  const first = await store.queryMetric({ siteId: site.id, metric: 'gridPowerKw', fromMs: startMs - LOOKBACK_DAYS * DAY_MS, toMs: startMs, limit: 1 });
  const earliest = first[0]?.atMs;
  if (earliest === undefined) return mbma(`the store holds no gridPowerKw in the ${LOOKBACK_DAYS} days before the event`);
  const historyDays = Math.floor((startMs - earliest) / DAY_MS);
  if (historyDays < LIKE_DAYS) {
    return mbma(`the store holds ${historyDays} day(s) of gridPowerKw before the event (since ${new Date(earliest).toISOString()}); 10-of-10 needs ${LIKE_DAYS} like days`);
  }
  const series: IntervalPoint[] = [];
  // Each day: the adjustment window (4 h before) to the window's end, ±1 h for a DST shift.
  const spanIntervals = Math.round((5 * H_MS + (event.endMs - startMs) + H_MS) / (intervalS * 1000));
  for (let d = 0; d <= LOOKBACK_DAYS; d += 1) {
    const fromMs = startMs - d * DAY_MS - 5 * H_MS;
    const count = d === 0 ? Math.round((5 * H_MS) / (intervalS * 1000)) : spanIntervals;
    series.push(...points(fromMs, intervalS, await gridMeans(store, site.id, fromMs, intervalS, count)));
  }
  // A long window makes neighbouring days' spans overlap: each interval once.
  const unique = [...new Map(series.map((p) => [p.atMs, p])).values()];
  const excludeDates = [...new Set(others.filter((o) => o.id !== ev.id).map((o) => calendar.localDate(o.intervals[0]?.startMs ?? startMs)))];
  const result = tenOfTen({ calendar, event, intervalS, series: unique, excludeDates: excludeDates.filter((d) => d !== calendar.localDate(startMs)) });
  if (result.ok) return { result, why: `${historyDays} days of history: CAISO 10-of-10 with the same-day adjustment` };
  return mbma(`10-of-10 refused: ${result.reason}`);
}
