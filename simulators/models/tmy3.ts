import { VppError } from '../../src/domain/index.js';

/**
 * Hourly typical-meteorological-year weather (NREL TMY3 as shipped by pvlib, reduced to
 * month, day, hour_ending, irradiance and temperature). Rows are in the station's local
 * standard time; an hour-ending value covers the hour before it (hour_ending 11 = 10:00-11:00).
 */
export interface WeatherHour {
  /** Global horizontal irradiance, W/m². */
  readonly ghiWm2: number;
  /** Dry-bulb air temperature, °C. */
  readonly tempC: number;
}

export interface Tmy3Weather {
  readonly name: string;
  /** The row for `month` 1..12, `day` 1..31, `hourEnding` 1..24. Feb 29 reads Feb 28 (TMY has no leap day). */
  at(month: number, day: number, hourEnding: number): WeatherHour;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const HOURS_PER_YEAR = 8760;

function dataError(source: string, where: string, problem: string): VppError {
  return new VppError('SIM_DATA_INVALID', `${source}: ${where} ${problem}`);
}

/** Row index in a non-leap year, or -1 when the date does not exist there. */
function hourIndex(month: number, day: number, hourEnding: number): number {
  if (!Number.isInteger(month) || month < 1 || month > 12) return -1;
  const len = DAYS_IN_MONTH[month - 1] ?? 0;
  if (!Number.isInteger(day) || day < 1 || day > len) return -1;
  if (!Number.isInteger(hourEnding) || hourEnding < 1 || hourEnding > 24) return -1;
  let dayOfYear = day - 1;
  for (let m = 0; m < month - 1; m++) dayOfYear += DAYS_IN_MONTH[m] ?? 0;
  return dayOfYear * 24 + hourEnding - 1;
}

export function parseTmy3Csv(text: string, source: string): Tmy3Weather {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((s) => s.trim());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw dataError(source, 'header', `must have a column ${name}, got ${JSON.stringify(lines[0] ?? '')}`);
    return i;
  };
  const [cMonth, cDay, cHour, cGhi, cTemp] = [col('month'), col('day'), col('hour_ending'), col('ghi_wm2'), col('temp_c')];
  const ghi = new Float64Array(HOURS_PER_YEAR).fill(NaN);
  const temp = new Float64Array(HOURS_PER_YEAR).fill(NaN);
  for (let r = 1; r < lines.length; r++) {
    const cells = (lines[r] ?? '').split(',').map(Number);
    const [month, day, hour, g, t] = [cells[cMonth], cells[cDay], cells[cHour], cells[cGhi], cells[cTemp]];
    const i = hourIndex(month ?? NaN, day ?? NaN, hour ?? NaN);
    if (i < 0) throw dataError(source, `row ${r + 1}`, `must name a month, day and hour_ending 1..24 of a non-leap year, got ${JSON.stringify(lines[r])}`);
    if (g === undefined || !Number.isFinite(g) || g < 0) throw dataError(source, `row ${r + 1} ghi_wm2`, `must be a number >= 0, got ${JSON.stringify(lines[r])}`);
    if (t === undefined || !Number.isFinite(t)) throw dataError(source, `row ${r + 1} temp_c`, `must be a number, got ${JSON.stringify(lines[r])}`);
    ghi[i] = g;
    temp[i] = t;
  }
  const missing = ghi.findIndex((v) => Number.isNaN(v));
  if (missing >= 0) throw dataError(source, 'file', `must have all ${HOURS_PER_YEAR} hours, hour index ${missing} is missing`);
  return {
    name: source,
    at(month, day, hourEnding) {
      const i = hourIndex(month, month === 2 && day === 29 ? 28 : day, hourEnding);
      if (i < 0) throw dataError(source, 'lookup', `has no row for month ${month} day ${day} hour_ending ${hourEnding}`);
      return { ghiWm2: ghi[i] ?? NaN, tempC: temp[i] ?? NaN };
    },
  };
}
