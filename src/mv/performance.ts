import { checkRate, settle, type Rate, type Settlement } from './settlement.js';
import { atLeast, finite, invalidInput, positive } from './validate.js';

/**
 * What the event asked of the site. IMPORT_CAPACITY_LIMIT: keep import at or below `kw`; an
 * interval complies when its mean import is at most kw × 1.01, the tolerance CONTRACTS.md uses
 * for replay's `compliantPct`. SHED: deliver `kw` below the baseline; an interval complies when
 * delivered kW (baseline − actual) is at least kw × 0.99, the same 1 % tolerance the other way.
 */
export type Requested =
  | { readonly type: 'IMPORT_CAPACITY_LIMIT'; readonly kw: number }
  | { readonly type: 'SHED'; readonly kw: number };

export interface PerformanceInput {
  readonly startMs: number;
  /** Interval length, s (900 for settlement quarter hours; 60 reproduces replay's minutes). */
  readonly intervalS: number;
  /** Mean import kW per interval; null = no good meter data. */
  readonly actualKw: readonly (number | null)[];
  /** Baseline kW per interval (a BaselineOk's `baselineKw`). */
  readonly baselineKw: readonly number[];
  readonly requested: Requested;
  readonly rate: Rate;
}

export interface IntervalPerformance {
  readonly startMs: number;
  readonly baselineKw: number;
  readonly actualKw: number | null;
  /** baseline − actual; > 0 is load taken off the grid. */
  readonly deliveredKw: number | null;
  readonly deliveredKwh: number | null;
  readonly compliant: boolean;
  /** Energy short of the request in a non-compliant interval, kWh (0 when compliant). */
  readonly shortfallKwh: number | null;
}

export interface EventPerformance {
  readonly intervals: readonly IntervalPerformance[];
  /** Sum over intervals with data (an over-consuming interval counts negative). */
  readonly deliveredKwh: number;
  /** deliveredKwh over the hours that have data; null when no interval has data. */
  readonly meanDeliveredKw: number | null;
  /** Share of the window's intervals that comply; an interval without data does not. */
  readonly compliancePct: number;
  readonly shortfallKwh: number;
  readonly missingIntervals: number;
  /** Null when any interval lacks data: a settlement is never computed on a guess. */
  readonly settlement: Settlement | null;
  readonly settlementWithheld?: string;
}

const TOLERANCE = 0.01;

function checkRequested(r: Requested): Requested {
  if (typeof r !== 'object' || r === null) throw invalidInput('requested', 'must be {type, kw}', r);
  if (r.type !== 'IMPORT_CAPACITY_LIMIT' && r.type !== 'SHED') throw invalidInput('requested.type', 'must be IMPORT_CAPACITY_LIMIT or SHED', (r as { type: unknown }).type);
  atLeast('requested.kw', r.kw, 0);
  return r;
}

function checkInput(input: PerformanceInput): void {
  if (typeof input !== 'object' || input === null) throw invalidInput('performance', 'must be an object', input);
  finite('startMs', input.startMs);
  positive('intervalS', input.intervalS);
  if (!Array.isArray(input.baselineKw) || input.baselineKw.length === 0) throw invalidInput('baselineKw', 'must be a non-empty array', input.baselineKw);
  input.baselineKw.forEach((v, i) => finite(`baselineKw[${i}]`, v));
  if (!Array.isArray(input.actualKw)) throw invalidInput('actualKw', 'must be an array', input.actualKw);
  if (input.actualKw.length !== input.baselineKw.length) {
    throw invalidInput('actualKw.length', `must equal baselineKw.length (${input.baselineKw.length})`, input.actualKw.length);
  }
  input.actualKw.forEach((v, i) => {
    if (v !== null) finite(`actualKw[${i}]`, v);
  });
  checkRequested(input.requested);
  checkRate(input.rate);
}

function interval(input: PerformanceInput, k: number, hours: number): IntervalPerformance {
  const startMs = input.startMs + k * input.intervalS * 1000;
  const baselineKw = input.baselineKw[k] as number;
  const actualKw = input.actualKw[k] ?? null;
  if (actualKw === null) return { startMs, baselineKw, actualKw, deliveredKw: null, deliveredKwh: null, compliant: false, shortfallKwh: null };
  const deliveredKw = baselineKw - actualKw;
  const { type, kw } = input.requested;
  const compliant = type === 'IMPORT_CAPACITY_LIMIT' ? actualKw <= kw * (1 + TOLERANCE) : deliveredKw >= kw * (1 - TOLERANCE);
  // Short of what was asked: import above the limit, or shed below the request.
  const shortKw = compliant ? 0 : type === 'IMPORT_CAPACITY_LIMIT' ? actualKw - kw : kw - deliveredKw;
  return { startMs, baselineKw, actualKw, deliveredKw, deliveredKwh: deliveredKw * hours, compliant, shortfallKwh: Math.max(0, shortKw) * hours };
}

/** Per-interval delivery and compliance, totals and the settlement at the programme's rate. */
export function eventPerformance(input: PerformanceInput): EventPerformance {
  checkInput(input);
  const hours = input.intervalS / 3600;
  const intervals = input.baselineKw.map((_, k) => interval(input, k, hours));
  const withData = intervals.filter((p) => p.actualKw !== null);
  const deliveredKwh = withData.reduce((s, p) => s + (p.deliveredKwh ?? 0), 0);
  const shortfallKwh = withData.reduce((s, p) => s + (p.shortfallKwh ?? 0), 0);
  const missingIntervals = intervals.length - withData.length;
  const dataHours = withData.length * hours;
  const meanDeliveredKw = withData.length > 0 ? deliveredKwh / dataHours : null;
  const compliancePct = (100 * intervals.filter((p) => p.compliant).length) / intervals.length;
  const totals = { intervals, deliveredKwh, meanDeliveredKw, compliancePct, shortfallKwh, missingIntervals };
  if (missingIntervals > 0 || meanDeliveredKw === null) {
    return { ...totals, settlement: null, settlementWithheld: `${missingIntervals} of ${intervals.length} intervals have no good meter data` };
  }
  const windowHours = intervals.length * hours;
  return { ...totals, settlement: settle(input.rate, { deliveredKwh, meanDeliveredKw, shortfallKwh, shortfallKw: shortfallKwh / windowHours }) };
}
