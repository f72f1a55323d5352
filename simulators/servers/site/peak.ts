import { BDEW_DAY_TYPES, QUARTER_HOURS_PER_DAY, type BdewProfile } from '../../models/index.js';

/** The highest quarter-hour power of a BDEW profile scaled to annualKwh, kW. */
export function bdewPeakKw(profile: BdewProfile, annualKwh: number, annualTotalKwh: number): number {
  let maxKwh = 0;
  for (let month = 1; month <= 12; month++) {
    for (const t of BDEW_DAY_TYPES) {
      for (let q = 0; q < QUARTER_HOURS_PER_DAY; q++) maxKwh = Math.max(maxKwh, profile.valueKwh(month, t, q));
    }
  }
  return maxKwh * 4 * (annualKwh / annualTotalKwh);
}
