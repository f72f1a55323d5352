import { localMinuteOfDay } from './tariff.js';
import { finite, invalidInput } from './validate.js';

/** Slot length of the day-ahead flexibility forecast: the billing quarter hour, s. */
export const FLEX_SLOT_S = 900;
/** A recorded sample stands for at most this long; past it the series has a gap, s. */
export const FLEX_MAX_HOLD_S = 60;
/** A slot's history mean is known only when good samples cover at least this share of the slot. */
export const FLEX_MIN_COVERAGE = 0.8;

const DAY_MS = 86_400_000;
const SLOT_MS = FLEX_SLOT_S * 1000;

/** A recorded site-level sample (load convention, kW); only good samples belong here. */
export interface FlexHistoryPoint {
  readonly atMs: number;
  readonly kw: number;
}

/** A battery as the forecast needs it: its limits and its state of charge now. */
export interface FlexBattery {
  readonly id: string;
  readonly capacityKwh: number;
  readonly minSocPct: number;
  readonly maxSocPct: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  /** false: charges from on-site PV only. Absent = true. */
  readonly gridChargingAllowed?: boolean;
  /** SoC now, percent; null when not known (not good): the battery then offers nothing. */
  readonly socPct: number | null;
}

export interface FlexForecastInput {
  readonly nowMs: number;
  readonly timezone: string;
  readonly horizonS: number;
  /** Recorded grid power (gridPowerKw), oldest first, good samples only. */
  readonly gridHistory: readonly FlexHistoryPoint[];
  /** Recorded battery power (batteryPowerKw), oldest first; null when the site has no batteries. */
  readonly batteryHistory: readonly FlexHistoryPoint[] | null;
  readonly batteries: readonly FlexBattery[];
  readonly gridImportLimitKw: number;
  readonly gridExportLimitKw?: number;
}

export interface FlexSlot {
  readonly startMs: number;
  readonly endMs: number;
  /** Forecast mean grid power without the batteries, kW; null when the history does not tell. */
  readonly baseKw: number | null;
  /** Grid power reduction the batteries can hold through the whole slot, kW; null when no battery SoC is known. */
  readonly decreaseKw: number | null;
  readonly increaseKw: number | null;
  /** Capacity-weighted SoC of the known batteries at the slot's start; absent when none is known. */
  readonly socPctStart?: number;
}

export interface FlexForecast {
  readonly slots: readonly FlexSlot[];
  readonly slotsKnown: number;
  readonly slotsUnknown: number;
}

/** Start of the site-local quarter hour holding `nowMs` (zones are offset from UTC by whole quarter hours). */
export function quarterHourStartMs(nowMs: number, timezone: string): number {
  const minuteStartMs = Math.floor(nowMs / 60_000) * 60_000;
  return minuteStartMs - (localMinuteOfDay(nowMs, timezone) % 15) * 60_000;
}

function slotCount(nowMs: number, startMs: number, horizonS: number): number {
  return Math.max(1, Math.ceil((nowMs + horizonS * 1000 - startMs) / SLOT_MS));
}

/** Whole days back to the same slot on the latest day that lies wholly in the past (persistence). */
function daysBack(endMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((endMs - nowMs) / DAY_MS));
}

/**
 * The spans of history the forecast reads (of gridPowerKw and batteryPowerKw), sorted, merged,
 * each [fromMs, toMs): only the slots a day (or two) back, so a day of 1 s samples is read once.
 * Their samples, concatenated in order, are the forecast's history.
 */
export function flexHistoryRanges(nowMs: number, timezone: string, horizonS: number): { fromMs: number; toMs: number }[] {
  const startMs = quarterHourStartMs(nowMs, timezone);
  const spans: { fromMs: number; toMs: number }[] = [];
  for (let k = 0; k < slotCount(nowMs, startMs, horizonS); k++) {
    const from = startMs + k * SLOT_MS;
    const back = daysBack(from + SLOT_MS, nowMs) * DAY_MS;
    // From one hold earlier: the sample just before a slot stands for its first seconds.
    spans.push({ fromMs: from - back - FLEX_MAX_HOLD_S * 1000, toMs: from + SLOT_MS - back });
  }
  spans.sort((a, b) => a.fromMs - b.fromMs);
  const merged: { fromMs: number; toMs: number }[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last !== undefined && s.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, s.toMs);
    else merged.push({ ...s });
  }
  return merged;
}

/**
 * Time-weighted mean over [fromMs, toMs): each sample holds until the next one, but no longer
 * than FLEX_MAX_HOLD_S (a longer silence is a gap, never a value). Null below FLEX_MIN_COVERAGE.
 */
export function coveredMeanKw(series: readonly FlexHistoryPoint[], fromMs: number, toMs: number): number | null {
  const holdMs = FLEX_MAX_HOLD_S * 1000;
  // First sample that can still reach fromMs: a day of 1 s samples is scanned from there, not from 0.
  let lo = 0;
  let hi = series.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((series[mid] as FlexHistoryPoint).atMs + holdMs <= fromMs) lo = mid + 1;
    else hi = mid;
  }
  let sum = 0;
  let coveredMs = 0;
  for (let i = lo; i < series.length; i++) {
    const p = series[i] as FlexHistoryPoint;
    if (p.atMs >= toMs) break;
    const a = Math.max(fromMs, p.atMs);
    const b = Math.min(toMs, series[i + 1]?.atMs ?? Infinity, p.atMs + holdMs);
    if (b > a) {
      sum += p.kw * (b - a);
      coveredMs += b - a;
    }
  }
  return coveredMs >= FLEX_MIN_COVERAGE * (toMs - fromMs) && coveredMs > 0 ? sum / coveredMs : null;
}

/** What one battery can hold through a whole slot from `socPct`, kW (>= 0). */
export function batterySlotKw(b: FlexBattery, socPct: number, slotS = FLEX_SLOT_S): { decreaseKw: number; increaseKw: number } {
  const hours = slotS / 3600;
  const aboveKwh = Math.max(0, ((socPct - b.minSocPct) / 100) * b.capacityKwh);
  const belowKwh = Math.max(0, ((b.maxSocPct - socPct) / 100) * b.capacityKwh);
  // CONTRACTS.md physics: the cells give up P / dischargeEfficiency and take P × chargeEfficiency.
  const decreaseKw = socPct <= b.minSocPct ? 0 : Math.min(b.maxDischargeKw, (aboveKwh * b.dischargeEfficiency) / hours);
  const increaseKw = socPct >= b.maxSocPct ? 0 : Math.min(b.maxChargeKw, belowKwh / (b.chargeEfficiency * hours));
  return { decreaseKw, increaseKw };
}

function checkInput(input: FlexForecastInput): void {
  finite('nowMs', input.nowMs);
  if (!(finite('horizonS', input.horizonS) > 0)) throw invalidInput('horizonS', 'must be > 0', input.horizonS);
  input.batteries.forEach((b, i) => {
    for (const k of ['capacityKwh', 'minSocPct', 'maxSocPct', 'maxChargeKw', 'maxDischargeKw', 'chargeEfficiency', 'dischargeEfficiency'] as const) finite(`batteries[${i}].${k}`, b[k]);
    if (b.socPct !== null) finite(`batteries[${i}].socPct`, b.socPct);
  });
  for (const [name, series] of [['gridHistory', input.gridHistory], ['batteryHistory', input.batteryHistory ?? []]] as const) {
    series.forEach((p, i) => {
      finite(`${name}[${i}].kw`, p.kw);
      if (i > 0 && !(finite(`${name}[${i}].atMs`, p.atMs) > (series[i - 1]?.atMs ?? -Infinity))) throw invalidInput(`${name}[${i}].atMs`, 'must increase', p.atMs);
    });
  }
}

/**
 * Day-ahead flexibility in site-local quarter hours, from the one in progress to `horizonS`
 * past now. baseKw: persistence, the same slot on the latest day wholly in the past (24 h back,
 * 48 h for slots ending more than 24 h ahead) of gridPowerKw − batteryPowerKw. Battery figures:
 * the SoC trajectory is the batteries idling from now (the base is without batteries, and no plan
 * reaches the API), so each slot offers what the batteries could hold through that slot alone if
 * called in it; calls in earlier slots spend the same energy. With a known base the grid limits
 * cap it: base − decrease >= −gridExportLimitKw, base + increase <= gridImportLimitKw, and a
 * battery barred from grid charging adds only the PV surplus (−base); without a base, it adds nothing.
 */
export function flexibilityForecast(input: FlexForecastInput): FlexForecast {
  checkInput(input);
  const { nowMs } = input;
  const startMs = quarterHourStartMs(nowMs, input.timezone);
  const n = slotCount(nowMs, startMs, input.horizonS);
  const known = input.batteries.filter((b): b is FlexBattery & { socPct: number } => b.socPct !== null);
  const capacityKwh = known.reduce((s, b) => s + b.capacityKwh, 0);
  const socPctStart = capacityKwh > 0 ? known.reduce((s, b) => s + b.socPct * b.capacityKwh, 0) / capacityKwh : undefined;
  const slots: FlexSlot[] = [];
  let slotsKnown = 0;
  for (let k = 0; k < n; k++) {
    const from = startMs + k * SLOT_MS;
    const to = from + SLOT_MS;
    const back = daysBack(to, nowMs) * DAY_MS;
    const grid = coveredMeanKw(input.gridHistory, from - back, to - back);
    const battery = input.batteryHistory === null ? 0 : coveredMeanKw(input.batteryHistory, from - back, to - back);
    const baseKw = grid === null || battery === null ? null : grid - battery;
    if (baseKw !== null) slotsKnown++;
    slots.push({ startMs: from, endMs: to, baseKw, ...batteryFigures(input, known, baseKw), ...(socPctStart === undefined ? {} : { socPctStart }) });
  }
  return { slots, slotsKnown, slotsUnknown: n - slotsKnown };
}

function batteryFigures(input: FlexForecastInput, known: readonly (FlexBattery & { socPct: number })[], baseKw: number | null): { decreaseKw: number | null; increaseKw: number | null } {
  if (input.batteries.length === 0) return { decreaseKw: 0, increaseKw: 0 };
  if (known.length === 0) return { decreaseKw: null, increaseKw: null };
  let decreaseKw = 0;
  let gridIncreaseKw = 0;
  let pvOnlyIncreaseKw = 0;
  for (const b of known) {
    const kw = batterySlotKw(b, b.socPct);
    decreaseKw += kw.decreaseKw;
    if (b.gridChargingAllowed === false) pvOnlyIncreaseKw += kw.increaseKw;
    else gridIncreaseKw += kw.increaseKw;
  }
  if (baseKw === null) return { decreaseKw, increaseKw: gridIncreaseKw };
  const increaseKw = gridIncreaseKw + Math.min(pvOnlyIncreaseKw, Math.max(0, -baseKw));
  return {
    decreaseKw: input.gridExportLimitKw === undefined ? decreaseKw : Math.max(0, Math.min(decreaseKw, baseKw + input.gridExportLimitKw)),
    increaseKw: Math.max(0, Math.min(increaseKw, input.gridImportLimitKw - baseKw)),
  };
}
