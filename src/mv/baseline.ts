import { checkBaselineInput, gridStarts, type BaselineInput } from './baseline-input.js';
import { selectLikeDays, wallSlots, type DayProfile, type SkippedDay } from './like-days.js';
import { finite, invalidInput, positiveInteger } from './validate.js';

/**
 * Same-day ("day-of", "morning") adjustment, CAISO style: the baseline is scaled by the ratio of
 * the event day's actual load to the baseline over a window before the event, the ratio capped
 * to 1 ± capPct/100. CAISO's PDR/RDRR standard baseline is "a 10 of 10 baseline with a 20 %
 * same day adjustment" (CAISO Baseline Accuracy Work Group proposal, 4 Apr 2017, §1 and its
 * Table 2-4 "Adjustment Ratio Calculation"); the window follows the California IOU programmes'
 * "first three of the four hours before the event" (hours -4..-1, skipping the hour just before,
 * when load may already be moving in anticipation). Multiplicative, not additive.
 */
export interface SameDayAdjustment {
  readonly windowH: number;
  /** Hours between the window's end and the event start. */
  readonly gapH: number;
  readonly capPct: number;
}

export const CAISO_SAME_DAY_ADJUSTMENT: SameDayAdjustment = { windowH: 3, gapH: 1, capPct: 20 };

export interface XOfYOptions {
  /** Like days to find (default 10). */
  readonly days?: number;
  /** How far back to look, calendar days (default 45). */
  readonly lookbackDays?: number;
  /** Fewest like days that still give a baseline (default: `days`). */
  readonly minDays?: number;
  /** Default CAISO_SAME_DAY_ADJUSTMENT; `false` for none. */
  readonly adjustment?: SameDayAdjustment | false;
}

export interface HighOfYOptions extends XOfYOptions {
  /** Of the like days, how many of the highest-load ones to average (default 5). */
  readonly highest?: number;
}

export interface AppliedAdjustment {
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Event day's mean actual kW over the window. */
  readonly actualKw: number;
  /** Unadjusted baseline's mean kW over the window. */
  readonly baselineKw: number;
  readonly rawRatio: number;
  readonly ratio: number;
  readonly capped: boolean;
}

export type BaselineMethod = 'tenOfTen' | 'highFiveOfTen' | 'meterBeforeMeterAfter';

export interface BaselineOk {
  readonly ok: true;
  readonly method: BaselineMethod;
  readonly startMs: number;
  readonly intervalS: number;
  /** Baseline kW of each event interval, after the same-day adjustment. */
  readonly baselineKw: readonly number[];
  readonly unadjustedKw: readonly number[];
  /** Like days averaged, newest first (empty for meter-before/meter-after). */
  readonly daysUsed: readonly string[];
  /** Like days passed over for being an event day or for missing data. */
  readonly skipped: readonly SkippedDay[];
  readonly adjustment: AppliedAdjustment | null;
}

/** No baseline can be given; never a zero baseline in its place. */
export interface BaselineRefused {
  readonly ok: false;
  readonly method: BaselineMethod;
  readonly reason: string;
}

export type BaselineResult = BaselineOk | BaselineRefused;

const H_MS = 3_600_000;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const iso = (ms: number): string => new Date(ms).toISOString();

function checkAdjustment(a: SameDayAdjustment | false, intervalS: number): SameDayAdjustment | false {
  if (a === false) return false;
  if (typeof a !== 'object' || a === null) throw invalidInput('options.adjustment', 'must be {windowH, gapH, capPct} or false', a);
  const windowH = finite('options.adjustment.windowH', a.windowH);
  const gapH = finite('options.adjustment.gapH', a.gapH);
  const capPct = finite('options.adjustment.capPct', a.capPct);
  if (!(windowH > 0 && Number.isInteger((windowH * 3600) / intervalS))) {
    throw invalidInput('options.adjustment.windowH', `must be > 0 and a whole number of ${intervalS} s intervals`, windowH);
  }
  if (!(gapH >= 0 && Number.isInteger((gapH * 3600) / intervalS))) {
    throw invalidInput('options.adjustment.gapH', `must be >= 0 and a whole number of ${intervalS} s intervals`, gapH);
  }
  if (!(capPct >= 0 && capPct < 100)) throw invalidInput('options.adjustment.capPct', 'must be in [0, 100)', capPct);
  return { windowH, gapH, capPct };
}

type Chooser = (days: readonly DayProfile[], adjSlots: number) => readonly DayProfile[];

function xOfY(method: BaselineMethod, input: BaselineInput, options: HighOfYOptions, choose: Chooser): BaselineResult {
  const c = checkBaselineInput(input);
  const days = positiveInteger('options.days', options.days ?? 10);
  const lookbackDays = positiveInteger('options.lookbackDays', options.lookbackDays ?? 45);
  const minDays = positiveInteger('options.minDays', options.minDays ?? days);
  if (minDays > days) throw invalidInput('options.minDays', `must be <= options.days (${days})`, minDays);
  const adj = checkAdjustment(options.adjustment ?? CAISO_SAME_DAY_ADJUSTMENT, input.intervalS);
  const { startMs, endMs } = input.event;
  const cal = input.calendar;
  const adjStarts = adj === false ? [] : gridStarts(startMs - (adj.gapH + adj.windowH) * H_MS, startMs - adj.gapH * H_MS, c.intervalMs);
  const eventStarts = gridStarts(startMs, endMs, c.intervalMs);
  const eventDate = cal.localDate(startMs);
  const dayType = cal.dayType(startMs);
  const { selected, skipped } = selectLikeDays({
    calendar: cal, lookup: c.lookup, eventDate, dayType, days, lookbackDays, excludeDates: c.excludeDates,
    slots: wallSlots([...adjStarts, ...eventStarts], eventDate, cal.timezone),
  });
  if (selected.length < minDays) {
    return { ok: false, method, reason: `found ${selected.length} complete ${dayType} like days in the ${lookbackDays} days before ${eventDate}, need ${minDays}` };
  }
  const a = adjStarts.length;
  const chosen = choose(selected, a);
  const unadjustedKw = eventStarts.map((_, k) => mean(chosen.map((d) => d.valuesKw[a + k] as number)));
  const base = { ok: true as const, method, startMs, intervalS: input.intervalS, unadjustedKw, daysUsed: chosen.map((d) => d.date), skipped };
  if (adj === false) return { ...base, baselineKw: unadjustedKw, adjustment: null };

  const actual = adjStarts.map((t) => c.lookup.get(t));
  const windowStartMs = adjStarts[0] as number;
  const windowEndMs = startMs - adj.gapH * H_MS;
  if (actual.some((v) => v === undefined)) {
    return { ok: false, method, reason: `event day ${eventDate} lacks good data in the adjustment window ${iso(windowStartMs)}..${iso(windowEndMs)}` };
  }
  const actualKw = mean(actual as number[]);
  const baselineKw = mean(chosen.flatMap((d) => d.valuesKw.slice(0, a)));
  if (!(baselineKw > 0)) {
    return { ok: false, method, reason: `baseline over the adjustment window is ${baselineKw} kW; a ratio adjustment needs it > 0` };
  }
  const rawRatio = actualKw / baselineKw;
  const ratio = Math.min(1 + adj.capPct / 100, Math.max(1 - adj.capPct / 100, rawRatio));
  return {
    ...base,
    baselineKw: unadjustedKw.map((v) => v * ratio),
    adjustment: { windowStartMs, windowEndMs, actualKw, baselineKw, rawRatio, ratio, capped: ratio !== rawRatio },
  };
}

/** CAISO 10-of-10: the mean, per interval, of the 10 most recent complete like days, adjusted. */
export function tenOfTen(input: BaselineInput, options: XOfYOptions = {}): BaselineResult {
  return xOfY('tenOfTen', input, options, (days) => days);
}

/**
 * High 5-of-10: of the 10 like days, the 5 with the highest mean load over the event window (a
 * tie goes to the more recent day), then the same per-interval mean and same-day adjustment as
 * tenOfTen. As PG&E describes its weekday baseline ("the 10 previous weekdays [...] the 5 days
 * with the highest energy usage", https://powersaver.pge.com/faq/); NYISO's Average Day CBL and
 * PJM's High X of Y are the same family.
 */
export function highFiveOfTen(input: BaselineInput, options: HighOfYOptions = {}): BaselineResult {
  const highest = positiveInteger('options.highest', options.highest ?? 5);
  const minDays = options.minDays ?? options.days ?? 10;
  if (highest > minDays) throw invalidInput('options.highest', `must be <= options.minDays (${minDays})`, highest);
  return xOfY('highFiveOfTen', input, options, (days, a) =>
    days
      .map((d, recency) => ({ d, recency, loadKw: mean(d.valuesKw.slice(a)) }))
      .sort((x, y) => y.loadKw - x.loadKw || x.recency - y.recency)
      .slice(0, highest)
      .sort((x, y) => x.recency - y.recency)
      .map((x) => x.d),
  );
}

export interface MeterBeforeOptions {
  /** Intervals just before the event start whose mean is held (default 1). */
  readonly intervals?: number;
}

/**
 * Meter-before/meter-after: the mean import of the interval(s) just before the event start, held
 * flat over the window (fits a battery or a process whose load is steady over hours).
 */
export function meterBeforeMeterAfter(input: BaselineInput, options: MeterBeforeOptions = {}): BaselineResult {
  const c = checkBaselineInput(input);
  const count = positiveInteger('options.intervals', options.intervals ?? 1);
  const { startMs } = input.event;
  const before = gridStarts(startMs - count * c.intervalMs, startMs, c.intervalMs).map((t) => c.lookup.get(t));
  if (before.some((v) => v === undefined)) {
    return { ok: false, method: 'meterBeforeMeterAfter', reason: `no good data in the ${count} interval(s) before ${iso(startMs)}` };
  }
  const kw = mean(before as number[]);
  const flat = new Array<number>(c.intervals).fill(kw);
  return { ok: true, method: 'meterBeforeMeterAfter', startMs, intervalS: input.intervalS, baselineKw: flat, unadjustedKw: flat, daysUsed: [], skipped: [], adjustment: null };
}
