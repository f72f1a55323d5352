import { describe, expect, it } from 'vitest';
import { VppError } from '../../src/domain/index.js';
import { CN_2025, CN_2026, chinaCalendarSpec, holidayCalendar, localDate, wallTimeToMs } from '../../src/mv/index.js';

const at = (iso: string): number => Date.parse(iso);
const cn = holidayCalendar(chinaCalendarSpec());

describe('holidayCalendar with China 2025/2026 (State Council notices)', () => {
  it.each([
    ['2025-01-01', false, 'New Year, a Wednesday'],
    ['2025-01-26', true, '调休: Sunday worked for Spring Festival'],
    ['2025-01-28', false, 'Spring Festival eve (除夕), a Tuesday'],
    ['2025-02-04', false, 'Spring Festival, last day'],
    ['2025-02-05', true, 'first day back, Wednesday'],
    ['2025-02-08', true, '调休: Saturday worked'],
    ['2025-04-27', true, '调休: Sunday worked for Labour Day'],
    ['2025-05-05', false, 'Labour Day, a Monday'],
    ['2025-06-02', false, 'Dragon Boat, a Monday'],
    ['2025-09-28', true, '调休: Sunday worked for National Day'],
    ['2025-10-08', false, 'National Day + Mid-Autumn, a Wednesday'],
    ['2025-10-11', true, '调休: Saturday worked'],
    ['2025-10-12', false, 'ordinary Sunday'],
    ['2025-10-13', true, 'ordinary Monday'],
    ['2026-01-04', true, '调休: Sunday worked for New Year 2026'],
    ['2026-02-23', false, 'Spring Festival 2026, a Monday'],
    ['2026-02-28', true, '调休: Saturday worked'],
    ['2026-05-09', true, '调休: Saturday worked'],
    ['2026-09-25', false, 'Mid-Autumn 2026, a Friday'],
    ['2026-10-10', true, '调休: Saturday worked'],
  ])('%s is a business day: %s (%s)', (date, business) => {
    expect(cn.isBusinessDay(date)).toBe(business);
  });

  it('lists make-up days only on weekends and holiday spans as the notices count them', () => {
    const dow = (d: string): number => new Date(`${d}T00:00:00Z`).getUTCDay();
    for (const d of [...CN_2025.workdays, ...CN_2026.workdays]) expect([0, 6]).toContain(dow(d));
    // 2025: 1 + 8 + 3 + 5 + 3 + 8 days; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7.
    expect(CN_2025.holidays).toHaveLength(28);
    expect(CN_2026.holidays).toHaveLength(33);
  });

  it('types a day by the local date in the site zone, not the UTC date', () => {
    // 2025-02-09T00:30+08:00 is Sunday in Shanghai but still Saturday 8 Feb (a 调休 workday) in UTC.
    expect(cn.dayType(at('2025-02-08T23:59:00+08:00'))).toBe('business');
    expect(cn.dayType(at('2025-02-09T00:30:00+08:00'))).toBe('nonBusiness');
    expect(cn.localDate(at('2025-02-08T16:30:00Z'))).toBe('2025-02-09');
  });

  it('refuses malformed specs, naming the field', () => {
    const base = { timezone: 'Asia/Shanghai', holidays: [], workdays: [] };
    expect(() => holidayCalendar({ ...base, holidays: ['2025-02-30'] })).toThrow(/calendar\.holidays\[0\] must be a date YYYY-MM-DD, got "2025-02-30"/);
    expect(() => holidayCalendar({ ...base, holidays: ['2025-10-11'], workdays: ['2025-10-11'] })).toThrow(/calendar\.workdays must not repeat a holiday/);
    expect(() => holidayCalendar({ ...base, weekend: [7] })).toThrow(/calendar\.weekend\[0\] must be an integer 0 \(Sunday\) \.\. 6/);
    expect(() => holidayCalendar({ ...base, timezone: 'Mars/Olympus' })).toThrow(VppError);
    expect(() => cn.isBusinessDay('2025/10/11')).toThrow(/date must be a date YYYY-MM-DD/);
  });
});

describe('wall-clock conversion across DST (Europe/Berlin)', () => {
  it('maps a local time to the right instant on both sides of the spring change', () => {
    expect(wallTimeToMs('2025-03-28', 14 * 60, 'Europe/Berlin')).toBe(at('2025-03-28T14:00:00+01:00'));
    expect(wallTimeToMs('2025-03-31', 14 * 60, 'Europe/Berlin')).toBe(at('2025-03-31T14:00:00+02:00'));
    // 02:30 does not exist on 30 March: the clock shows 03:30 one hour after 01:30.
    expect(wallTimeToMs('2025-03-30', 150, 'Europe/Berlin')).toBe(at('2025-03-30T03:30:00+02:00'));
    expect(localDate(at('2025-10-25T22:30:00Z'), 'Europe/Berlin')).toBe('2025-10-26');
  });
});
