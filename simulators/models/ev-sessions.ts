import { checkTimeZone, localTimeParts, localToEpochMs } from './local-time.js';
import { finiteNumber, invalidOption, positiveNumber } from './validate.js';

/** One visit of the car: plugged in at arrivesMs, leaves at departsMs wanting energyNeededKwh. */
export interface EvChargingSession {
  readonly arrivesMs: number;
  readonly departsMs: number;
  readonly energyNeededKwh: number;
}

/** Every day the same: local "HH:MM" times in the site's zone; departs <= arrives means the next day. */
export interface DailyEvSessions {
  readonly arrives: string;
  readonly departs: string;
  readonly energyNeededKwh: number;
}

const DAY_MS = 86_400_000;

function hhmm(field: string, value: unknown): { hour: number; minute: number } {
  const m = typeof value === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value) : null;
  if (m === null) throw invalidOption(field, 'must be a local time "HH:MM"', value);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** Where the car's sessions come from: a daily pattern or an explicit list. */
export class EvSessionPlan {
  private readonly list: readonly EvChargingSession[] | null;
  private readonly daily: { arrive: { hour: number; minute: number }; depart: { hour: number; minute: number }; needKwh: number } | null;
  private readonly timezone: string;

  constructor(source: { daily: DailyEvSessions } | { sessions: readonly EvChargingSession[] }, timezone: string, field: string) {
    this.timezone = checkTimeZone(`${field}.timezone`, timezone);
    if ('daily' in source) {
      const d = source.daily;
      this.daily = {
        arrive: hhmm(`${field}.arrives`, d.arrives),
        depart: hhmm(`${field}.departs`, d.departs),
        needKwh: positiveNumber(`${field}.energyNeededKwh`, d.energyNeededKwh),
      };
      this.list = null;
      return;
    }
    if (!Array.isArray(source.sessions)) throw invalidOption(`${field}.sessions`, 'must be an array', source.sessions);
    let prevDepartMs = -Infinity;
    this.list = source.sessions.map((s, i) => {
      const f = `${field}.sessions[${i}]`;
      const arrivesMs = finiteNumber(`${f}.arrivesMs`, s.arrivesMs);
      const departsMs = finiteNumber(`${f}.departsMs`, s.departsMs);
      if (departsMs <= arrivesMs) throw invalidOption(`${f}.departsMs`, `must be after arrivesMs ${arrivesMs}`, departsMs);
      if (arrivesMs < prevDepartMs) throw invalidOption(`${f}.arrivesMs`, `must not be before the previous departure ${prevDepartMs}`, arrivesMs);
      prevDepartMs = departsMs;
      return { arrivesMs, departsMs, energyNeededKwh: positiveNumber(`${f}.energyNeededKwh`, s.energyNeededKwh) };
    });
    this.daily = null;
  }

  /** The first session that has not departed at atMs (departsMs > atMs), or null when none is left. */
  sessionAfter(atMs: number): EvChargingSession | null {
    if (this.list !== null) return this.list.find((s) => s.departsMs > atMs) ?? null;
    const d = this.daily;
    if (d === null) return null;
    const today = localTimeParts(atMs, this.timezone);
    // Yesterday's overnight visit may still be on; otherwise today's or tomorrow's is next.
    for (let offset = -1; offset <= 2; offset++) {
      const day = new Date(Date.UTC(today.year, today.month - 1, today.day) + offset * DAY_MS);
      const [y, m, dd] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
      const arrivesMs = localToEpochMs(this.timezone, y, m, dd, d.arrive.hour, d.arrive.minute);
      const overnight = d.depart.hour * 60 + d.depart.minute <= d.arrive.hour * 60 + d.arrive.minute;
      const dep = overnight ? new Date(day.getTime() + DAY_MS) : day;
      const departsMs = localToEpochMs(this.timezone, dep.getUTCFullYear(), dep.getUTCMonth() + 1, dep.getUTCDate(), d.depart.hour, d.depart.minute);
      if (departsMs > atMs) return { arrivesMs, departsMs, energyNeededKwh: d.needKwh };
    }
    return null;
  }
}
