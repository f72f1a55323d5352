import type { DrEvent, ProgramRate, Site } from '../domain/index.js';
import { eventWindow, intervalWindow } from '../events/index.js';
import { eventPerformance, type Requested } from './performance.js';
import { gridMeans, siteBaseline, type MeteredSeries as Store } from './site-baseline.js';

export interface IntervalView {
  readonly start: string;
  readonly requested: Requested | null;
  readonly baselineKw: number | null;
  readonly actualKw: number | null;
  readonly deliveredKw: number | null;
  readonly deliveredKwh: number | null;
  /** null: nothing to comply with (no limit or shed in force), or no data to judge a shed by. */
  readonly compliant: boolean | null;
  /** Why a number is null. */
  readonly reason?: string;
}

export interface SitePerformanceView {
  readonly siteId: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly intervalS: number;
  readonly intervalNote?: string;
  readonly baseline: { readonly method: string; readonly ok: boolean; readonly why: string; readonly reason?: string; readonly daysUsed?: readonly string[] };
  readonly intervals: readonly IntervalView[];
  readonly deliveredKwh: number | null;
  readonly meanDeliveredKw: number | null;
  readonly compliancePct: number | null;
  readonly missingIntervals: number;
  readonly settlement: { readonly basis: string; readonly paymentAmount: number; readonly penaltyAmount: number; readonly netAmount: number } | null;
  readonly settlementWithheld?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** What the DR interval in force at `atMs` asks: a capacity limit, or a shed (a negative relative dispatch). */
function requestedAt(ev: DrEvent, siteId: string, atMs: number, groupShareKw?: number): Requested | null {
  const it = ev.intervals.find((i) => {
    const w = intervalWindow(ev, i, siteId);
    return atMs >= w.startMs && atMs < w.endMs;
  });
  for (const s of it?.signals ?? []) {
    if (s.type === 'IMPORT_CAPACITY_LIMIT') return { type: 'IMPORT_CAPACITY_LIMIT', kw: s.valueKw };
    // A site reached through a GROUP sheds its allocated share, not the group's total.
    if (s.type === 'DISPATCH_SETPOINT_RELATIVE' && s.valueKw < 0) return { type: 'SHED', kw: groupShareKw ?? -s.valueKw };
  }
  return null;
}

/**
 * One site's performance in the event, from the store: the window at the site (its randomised
 * start; cut at a cancellation; up to now while it runs, whole intervals only), 15-min intervals
 * (1 min for a window under an hour; a common divisor when the window is not a whole number of
 * them), the baseline, and per interval actual, delivered and compliance by the request then in
 * force. Settlement only at the programme's rate and only when every interval has data.
 */
export async function sitePerformance(
  store: Store,
  site: Site,
  ev: DrEvent,
  others: readonly DrEvent[],
  nowMs: number,
  rate: ProgramRate | undefined,
  /** The site's share of a GROUP shed (kW), when the event reaches it only through a group. */
  groupShareKw?: number,
): Promise<SitePerformanceView> {
  const w = eventWindow(ev, site.id);
  const endMs = Math.min(w.endMs, ev.cancelledAtMs ?? Infinity, Number.isFinite(w.endMs) ? Infinity : nowMs);
  const durationS = Math.max(1, Math.round((endMs - w.startMs) / 1000));
  const nominalS = durationS < 3600 ? 60 : 900;
  const intervalS = durationS % nominalS === 0 ? nominalS : gcd(durationS, nominalS);
  const intervalMs = intervalS * 1000;
  const n = Math.max(0, Math.floor((Math.min(endMs, nowMs) - w.startMs) / intervalMs));
  const base = await siteBaseline(store, site, ev, others, w.startMs, intervalS, Math.max(n, 1));
  const b = base.result;
  const actual = await gridMeans(store, site.id, w.startMs, intervalS, n);
  const starts = actual.map((_, k) => w.startMs + k * intervalMs);
  const requested = starts.map((t) => requestedAt(ev, site.id, t, groupShareKw));
  const baselineKw = b.ok ? b.baselineKw.slice(0, n) : null;
  // eventPerformance takes one request: run it per run of intervals under the same request.
  const perf = baselineKw === null || n === 0 ? null : segments(requested).map(([from, to, req]) =>
    ({ from, to, req, p: eventPerformance({ startMs: starts[from] as number, intervalS, actualKw: actual.slice(from, to), baselineKw: baselineKw.slice(from, to), requested: req ?? { type: 'SHED', kw: 0 }, rate: rate ?? { kind: 'energy', pricePerKwh: 0 } }) }));

  const intervals = starts.map((t, k): IntervalView => {
    const req = requested[k] ?? null;
    const a = actual[k] ?? null;
    const seg = perf?.find((s) => k >= s.from && k < s.to);
    const ip = seg?.p.intervals[k - (seg?.from ?? 0)];
    const reason = a === null ? 'no good gridPowerKw in this interval' : ip === undefined ? `no baseline: ${b.ok ? '' : b.reason}` : undefined;
    // A capacity limit is judged on the meter alone; a shed needs the baseline.
    const compliant = a === null ? (req === null ? null : false) : req === null ? null : req.type === 'IMPORT_CAPACITY_LIMIT' ? a <= req.kw * 1.01 : (ip?.compliant ?? null);
    return { start: iso(t), requested: req, baselineKw: ip?.baselineKw ?? null, actualKw: a, deliveredKw: ip?.deliveredKw ?? null, deliveredKwh: ip?.deliveredKwh ?? null, compliant, ...(reason === undefined ? {} : { reason }) };
  });
  const judged = intervals.filter((i) => i.compliant !== null);
  const withData = intervals.filter((i) => i.deliveredKwh !== null);
  const deliveredKwh = perf === null ? null : withData.reduce((s, i) => s + (i.deliveredKwh ?? 0), 0);
  const missingIntervals = intervals.filter((i) => i.actualKw === null).length;
  const settled = settlementOf(perf?.map((s) => ({ share: (s.to - s.from) / n, settlement: s.p.settlement, withheld: s.p.settlementWithheld })) ?? null, rate, b.ok ? undefined : b.reason, n);
  return {
    siteId: site.id,
    window: { start: iso(w.startMs), end: iso(endMs) },
    intervalS,
    ...(intervalS === nominalS ? {} : { intervalNote: `the ${durationS} s window is not a whole number of ${nominalS} s intervals` }),
    baseline: { method: b.method, ok: b.ok, why: base.why, ...(b.ok ? { daysUsed: b.daysUsed } : { reason: b.reason }) },
    intervals,
    deliveredKwh,
    meanDeliveredKw: deliveredKwh === null || withData.length === 0 ? null : deliveredKwh / ((withData.length * intervalS) / 3600),
    compliancePct: judged.length === 0 ? null : (100 * judged.filter((i) => i.compliant === true).length) / judged.length,
    missingIntervals,
    ...settled,
  };
}

function segments(requested: readonly (Requested | null)[]): Array<[number, number, Requested | null]> {
  const out: Array<[number, number, Requested | null]> = [];
  const key = (r: Requested | null): string => JSON.stringify(r);
  requested.forEach((r, k) => {
    const last = out.at(-1);
    if (last !== undefined && key(last[2]) === key(r)) last[1] = k + 1;
    else out.push([k, k + 1, r]);
  });
  return out;
}

type SegmentSettlement = { share: number; settlement: { basis: string; paymentAmount: number; penaltyAmount: number; netAmount: number } | null; withheld: string | undefined };

/**
 * The segments' settlements added up: energy amounts add; a capacity amount is on the mean kW
 * of its segment, so each is weighted by its share of the window (equal to the whole window's
 * mean when every segment delivered).
 */
function settlementOf(segs: readonly SegmentSettlement[] | null, rate: ProgramRate | undefined, noBaseline: string | undefined, n: number): Pick<SitePerformanceView, 'settlement' | 'settlementWithheld'> {
  if (rate === undefined) return { settlement: null, settlementWithheld: 'the programme carries no rate' };
  if (n === 0) return { settlement: null, settlementWithheld: 'no interval of the window has ended yet' };
  if (segs === null) return { settlement: null, settlementWithheld: `no baseline: ${noBaseline ?? ''}` };
  const withheld = segs.find((s) => s.settlement === null);
  if (withheld !== undefined) return { settlement: null, settlementWithheld: withheld.withheld ?? 'intervals without data' };
  const weight = (s: SegmentSettlement): number => (rate.kind === 'capacity' ? s.share : 1);
  const sum = (f: (x: NonNullable<SegmentSettlement['settlement']>) => number): number => segs.reduce((acc, s) => acc + weight(s) * f(s.settlement ?? { basis: '', paymentAmount: 0, penaltyAmount: 0, netAmount: 0 }), 0);
  return { settlement: { basis: rate.kind, paymentAmount: sum((x) => x.paymentAmount), penaltyAmount: sum((x) => x.penaltyAmount), netAmount: sum((x) => x.netAmount) } };
}
