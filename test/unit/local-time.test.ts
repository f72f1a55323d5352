import { describe, expect, it } from 'vitest';
import {
  LOCAL_TIME_INVALID, isTimeZone, localDate, localDayNumber, localMinuteOfDay, localTimeParts,
  localToEpochMs, localWeekNumber, nextLocalMinuteMs, utcOffsetMs,
} from '../../src/domain/index.js';

const at = (iso: string): number => Date.parse(iso);
const BERLIN = 'Europe/Berlin';
const SHANGHAI = 'Asia/Shanghai';

describe('domain local time', () => {
  it('knows IANA zones and refuses others', () => {
    expect(isTimeZone(BERLIN)).toBe(true);
    expect(isTimeZone(SHANGHAI)).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isTimeZone(8)).toBe(false);
    expect(() => localTimeParts(0, 'Mars/Olympus')).toThrow(expect.objectContaining({ name: 'VppError', code: LOCAL_TIME_INVALID }));
    expect(() => localTimeParts(0, 'Mars/Olympus')).toThrow(/timezone must be an IANA time zone, got "Mars\/Olympus"/);
  });

  it('gives the wall-clock fields of an instant', () => {
    expect(localTimeParts(at('2025-07-15T23:30:15+08:00'), SHANGHAI)).toEqual({ year: 2025, month: 7, day: 15, hour: 23, minute: 30, second: 15, weekday: 2 });
    // 16:30 UTC is already the next day in Shanghai, and midnight reads 0, not 24.
    expect(localTimeParts(at('2025-07-15T16:00:00Z'), SHANGHAI)).toMatchObject({ day: 16, hour: 0, minute: 0, weekday: 3 });
    expect(localDate(at('2025-07-15T16:00:00Z'), SHANGHAI)).toBe('2025-07-16');
    expect(localMinuteOfDay(at('2025-07-15T10:45:00+08:00'), SHANGHAI)).toBe(645);
    expect(utcOffsetMs(at('2025-01-15T00:00:00Z'), SHANGHAI)).toBe(8 * 3_600_000);
  });

  it('follows Berlin across spring-forward (2025-03-30 02:00 → 03:00)', () => {
    expect(utcOffsetMs(at('2025-03-30T00:59:59Z'), BERLIN)).toBe(3_600_000);
    expect(utcOffsetMs(at('2025-03-30T01:00:00Z'), BERLIN)).toBe(7_200_000);
    expect(localMinuteOfDay(at('2025-03-30T00:59:00Z'), BERLIN)).toBe(119);
    expect(localMinuteOfDay(at('2025-03-30T01:00:00Z'), BERLIN)).toBe(180);
    expect(localToEpochMs(BERLIN, 2025, 3, 30, 1, 30)).toBe(at('2025-03-30T01:30:00+01:00'));
    expect(localToEpochMs(BERLIN, 2025, 3, 30, 3, 0)).toBe(at('2025-03-30T03:00:00+02:00'));
    // 02:30 does not exist that night: it comes out one hour later.
    expect(localToEpochMs(BERLIN, 2025, 3, 30, 2, 30)).toBe(at('2025-03-30T03:30:00+02:00'));
    // The local day has 23 hours.
    expect(localToEpochMs(BERLIN, 2025, 3, 31, 0, 0) - localToEpochMs(BERLIN, 2025, 3, 30, 0, 0)).toBe(23 * 3_600_000);
  });

  it('follows Berlin across fall-back (2025-10-26 03:00 → 02:00)', () => {
    expect(localMinuteOfDay(at('2025-10-26T00:30:00Z'), BERLIN)).toBe(150);
    expect(localMinuteOfDay(at('2025-10-26T01:30:00Z'), BERLIN)).toBe(150);
    // The repeated 02:30 comes out as its second, standard-time occurrence.
    expect(localToEpochMs(BERLIN, 2025, 10, 26, 2, 30)).toBe(at('2025-10-26T02:30:00+01:00'));
    expect(localToEpochMs(BERLIN, 2025, 10, 26, 12, 0)).toBe(at('2025-10-26T12:00:00+01:00'));
    // The local day has 25 hours; minute 1440 is the next midnight.
    expect(localToEpochMs(BERLIN, 2025, 10, 26, 0, 1440) - localToEpochMs(BERLIN, 2025, 10, 26, 0, 0)).toBe(25 * 3_600_000);
  });

  it('round-trips every quarter hour of both Berlin DST days and a Shanghai day', () => {
    for (const [tz, date] of [[BERLIN, '2025-03-30'], [BERLIN, '2025-10-26'], [SHANGHAI, '2025-07-15']] as const) {
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      const start = localToEpochMs(tz, y, m, d, 0, 0);
      const end = localToEpochMs(tz, y, m, d + 1, 0, 0);
      for (let t = start; t < end; t += 900_000) {
        const p = localTimeParts(t, tz);
        expect(localDate(t, tz)).toBe(date);
        // Only the repeated autumn hour maps back to its other occurrence.
        const back = localToEpochMs(tz, p.year, p.month, p.day, p.hour, p.minute);
        expect(back === t || back - t === 3_600_000).toBe(true);
      }
    }
  });

  it('counts local days and ISO weeks (Monday first)', () => {
    expect(localDayNumber(at('1970-01-01T12:00:00Z'), 'UTC')).toBe(0);
    // 2025-07-13 is a Sunday, 2025-07-14 a Monday; 17:00 UTC on Sunday is Monday 01:00 in Shanghai.
    const sundayUtc = at('2025-07-13T17:00:00Z');
    expect(localDayNumber(sundayUtc, SHANGHAI) - localDayNumber(sundayUtc, 'UTC')).toBe(1);
    expect(localWeekNumber(sundayUtc, SHANGHAI)).toBe(localDayNumber(sundayUtc, SHANGHAI));
    expect(localWeekNumber(sundayUtc, 'UTC')).toBe(localDayNumber(sundayUtc, 'UTC') - 6);
    // Berlin's 23-hour day is still one day.
    expect(localDayNumber(at('2025-03-30T23:00:00+02:00'), BERLIN) - localDayNumber(at('2025-03-30T00:00:00+01:00'), BERLIN)).toBe(0);
  });

  it('finds the next local HH:MM, across DST changes too', () => {
    expect(nextLocalMinuteMs(at('2025-07-15T08:00:00+08:00'), 17 * 60 + 30, SHANGHAI)).toBe(at('2025-07-15T17:30:00+08:00'));
    // Strictly after: at 17:30 itself the answer is tomorrow.
    expect(nextLocalMinuteMs(at('2025-07-15T17:30:00+08:00'), 17 * 60 + 30, SHANGHAI)).toBe(at('2025-07-16T17:30:00+08:00'));
    expect(nextLocalMinuteMs(at('2025-03-29T20:00:00+01:00'), 8 * 60, BERLIN)).toBe(at('2025-03-30T08:00:00+02:00'));
    expect(nextLocalMinuteMs(at('2025-10-25T20:00:00+02:00'), 8 * 60, BERLIN)).toBe(at('2025-10-26T08:00:00+01:00'));
  });
});
