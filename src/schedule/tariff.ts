import { isTimeZone, localMinuteOfDay } from '../domain/index.js';
import { finite, invalidInput } from './validate.js';

// Re-exported: schedule's public index and flexibility.ts have always offered it from here.
export { localMinuteOfDay };

/** A time-of-use period (峰/平/谷) in site local time: minutes after local midnight, [fromMin, toMin). */
export interface TouPeriod {
  readonly fromMin: number;
  readonly toMin: number;
  readonly pricePerKwh: number;
}

/** A point of a carbon-intensity series; its value holds until the next point. */
export interface CarbonPoint {
  readonly atMs: number;
  readonly kgPerKwh: number;
}

const MIN_PER_DAY = 1440;

/** Throws unless the periods are sorted and cover 00:00-24:00 without gap or overlap. */
export function checkTouPeriods(periods: readonly TouPeriod[]): void {
  let coveredTo = 0;
  periods.forEach((p, i) => {
    const f = `tariff[${i}]`;
    finite(`${f}.pricePerKwh`, p.pricePerKwh);
    if (finite(`${f}.fromMin`, p.fromMin) !== coveredTo) throw invalidInput(`${f}.fromMin`, `must continue the day at ${coveredTo}`, p.fromMin);
    if (!(finite(`${f}.toMin`, p.toMin) > p.fromMin && p.toMin <= MIN_PER_DAY)) throw invalidInput(`${f}.toMin`, `must be in (${p.fromMin}, 1440]`, p.toMin);
    coveredTo = p.toMin;
  });
  if (coveredTo !== MIN_PER_DAY) throw invalidInput('tariff', 'must cover 00:00-24:00; the periods end at minute', coveredTo);
}

/**
 * Import price of each slot: the period in force at the slot's start, in the site's local time
 * (a billing meter switches tariff at a clock time; a slot straddling a switch is rare with
 * quarter-hour slots and quarter-hour tariffs). Each slot is converted on its own, so DST days
 * with 92 or 100 quarter hours come out right.
 */
export function touPricePerSlot(periods: readonly TouPeriod[], startMs: number, slotS: number, slots: number, timezone: string): number[] {
  checkTouPeriods(periods);
  if (!isTimeZone(timezone)) throw invalidInput('timezone', 'must be an IANA time zone', timezone);
  const out: number[] = [];
  for (let k = 0; k < slots; k++) {
    const minute = localMinuteOfDay(startMs + k * slotS * 1000, timezone);
    const p = periods.find((q) => minute >= q.fromMin && minute < q.toMin);
    if (p === undefined) throw invalidInput('tariff', 'has no period for local minute', minute);
    out.push(p.pricePerKwh);
  }
  return out;
}

/**
 * Carbon intensity per slot, kg/kWh: a constant, or a series whose value holds until its next
 * point, averaged over each slot by time. A slot that starts before the series' first point has
 * no value and is refused (it is never taken as 0).
 */
export function carbonPerSlot(carbon: number | readonly CarbonPoint[], startMs: number, slotS: number, slots: number): number[] {
  if (typeof carbon === 'number') return new Array<number>(slots).fill(finite('carbon.gridKgPerKwh', carbon));
  carbon.forEach((p, i) => {
    finite(`carbon[${i}].kgPerKwh`, p.kgPerKwh);
    if (i > 0 && !(finite(`carbon[${i}].atMs`, p.atMs) > (carbon[i - 1]?.atMs ?? -Infinity))) {
      throw invalidInput(`carbon[${i}].atMs`, 'must increase', p.atMs);
    }
  });
  const first = carbon[0];
  if (first === undefined || first.atMs > startMs) throw invalidInput('carbon', 'must have a point at or before the plan start', first?.atMs);
  const slotMs = slotS * 1000;
  const out: number[] = [];
  let i = 0;
  for (let k = 0; k < slots; k++) {
    const from = startMs + k * slotMs;
    const to = from + slotMs;
    while (i + 1 < carbon.length && (carbon[i + 1]?.atMs ?? Infinity) <= from) i++;
    let sum = 0;
    for (let j = i; j < carbon.length; j++) {
      const p = carbon[j] as CarbonPoint;
      const a = Math.max(from, p.atMs);
      const b = Math.min(to, carbon[j + 1]?.atMs ?? Infinity);
      if (a >= to) break;
      if (b > a) sum += p.kgPerKwh * (b - a);
    }
    out.push(sum / slotMs);
  }
  return out;
}
