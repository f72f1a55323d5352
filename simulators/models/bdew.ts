import { VppError } from '../../src/domain/index.js';

/**
 * BDEW standard load profiles (2025 edition, as shipped by oemof/demandlib): one column per
 * (month, day type), 96 quarter-hour rows of energy in kWh. See simulators/data/README.md.
 */
export const BDEW_DAY_TYPES = ['SA', 'FT', 'WT'] as const;
export type BdewDayType = (typeof BDEW_DAY_TYPES)[number];

const MONTHS_DE = [
  'Januar', 'Februar', 'März', 'April', 'Mai', 'Juni',
  'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember',
] as const;

export const QUARTER_HOURS_PER_DAY = 96;

export interface BdewProfile {
  readonly name: string;
  /** Energy in kWh of quarter-hour `quarter` (0..95) on a day of `dayType` in `month` (1..12). */
  valueKwh(month: number, dayType: BdewDayType, quarter: number): number;
  /** The profile's energy over one day of that month and day type, kWh. */
  dayTotalKwh(month: number, dayType: BdewDayType): number;
}

const SIM_DATA_INVALID = 'SIM_DATA_INVALID';

function dataError(source: string, where: string, problem: string): VppError {
  return new VppError(SIM_DATA_INVALID, `${source}: ${where} ${problem}`);
}

/** Saturday SA, Sunday FT, any other day WT. Public holidays are not counted yet. */
export function bdewDayType(weekday: number): BdewDayType {
  if (weekday === 6) return 'SA';
  if (weekday === 0) return 'FT';
  return 'WT';
}

export function parseBdewCsv(text: string, source: string): BdewProfile {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length !== 2 + QUARTER_HOURS_PER_DAY) {
    throw dataError(source, 'file', `must have 2 header rows and ${QUARTER_HOURS_PER_DAY} quarter-hour rows, got ${lines.length} rows`);
  }
  const months = (lines[0] ?? '').split(',').slice(1).map((s) => s.trim());
  const types = (lines[1] ?? '').split(',').slice(1).map((s) => s.trim());
  if (months.length !== types.length || months.length === 0) {
    throw dataError(source, 'rows 1-2', `must have as many months as day types, got ${months.length} and ${types.length}`);
  }
  // column index per (month 1..12, day type)
  const columnOf = new Map<string, number>();
  months.forEach((m, i) => {
    const month = MONTHS_DE.indexOf(m as (typeof MONTHS_DE)[number]) + 1;
    const type = types[i];
    if (month === 0) throw dataError(source, `row 1 column ${i + 2}`, `must be a German month name, got ${JSON.stringify(m)}`);
    if (!BDEW_DAY_TYPES.includes(type as BdewDayType)) {
      throw dataError(source, `row 2 column ${i + 2}`, `must be SA, FT or WT, got ${JSON.stringify(type)}`);
    }
    columnOf.set(`${month}:${type}`, i);
  });
  const values: number[][] = [];
  for (let q = 0; q < QUARTER_HOURS_PER_DAY; q++) {
    const cells = (lines[q + 2] ?? '').split(',');
    const label = cells[0] ?? '';
    const expected = `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}-`;
    if (!label.startsWith(expected)) throw dataError(source, `row ${q + 3}`, `must start with ${expected}, got ${JSON.stringify(label)}`);
    const row = cells.slice(1).map((c, i) => {
      const v = Number(c);
      if (c.trim() === '' || !Number.isFinite(v) || v < 0) {
        throw dataError(source, `row ${q + 3} column ${i + 2}`, `must be a number >= 0, got ${JSON.stringify(c)}`);
      }
      return v;
    });
    if (row.length !== months.length) throw dataError(source, `row ${q + 3}`, `must have ${months.length} values, got ${row.length}`);
    values.push(row);
  }
  for (let month = 1; month <= 12; month++) {
    for (const t of BDEW_DAY_TYPES) {
      if (!columnOf.has(`${month}:${t}`)) throw dataError(source, 'header', `has no column for ${MONTHS_DE[month - 1]} ${t}`);
    }
  }
  const column = (month: number, dayType: BdewDayType): number => {
    const c = columnOf.get(`${month}:${dayType}`);
    if (c === undefined) throw dataError(source, 'lookup', `has no column for month ${month} ${dayType}`);
    return c;
  };
  const dayTotals = new Map<string, number>();
  for (const [key, c] of columnOf) dayTotals.set(key, values.reduce((s, row) => s + (row[c] ?? 0), 0));
  return {
    name: source,
    valueKwh(month, dayType, quarter) {
      const v = values[quarter]?.[column(month, dayType)];
      if (v === undefined) throw dataError(source, 'lookup', `has no quarter-hour ${quarter}`);
      return v;
    },
    dayTotalKwh(month, dayType) {
      return dayTotals.get(`${month}:${dayType}`) ?? NaN;
    },
  };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The profile's energy over calendar year `year`, adding up each date's day type (kWh). */
export function bdewAnnualTotalKwh(profile: BdewProfile, year: number): number {
  let total = 0;
  const days = isLeapYear(year) ? 366 : 365;
  for (let i = 0; i < days; i++) {
    const d = new Date(Date.UTC(year, 0, 1 + i));
    total += profile.dayTotalKwh(d.getUTCMonth() + 1, bdewDayType(d.getUTCDay()));
  }
  return total;
}
