export { MV_INVALID_INPUT } from './validate.js';
export { holidayCalendar, type CalendarSpec, type DayType, type HolidayCalendar } from './calendar.js';
export { chinaCalendarSpec, CN_2025, CN_2026 } from './holidays/index.js';
export { localDate, wallTimeToMs, addDays } from './zone.js';
export { intervalMeansKw, type IntervalPoint } from './series.js';
export type { BaselineInput, EventWindow } from './baseline-input.js';
export type { SkippedDay } from './like-days.js';
export {
  tenOfTen,
  highFiveOfTen,
  meterBeforeMeterAfter,
  CAISO_SAME_DAY_ADJUSTMENT,
  type SameDayAdjustment,
  type XOfYOptions,
  type HighOfYOptions,
  type MeterBeforeOptions,
  type AppliedAdjustment,
  type BaselineMethod,
  type BaselineOk,
  type BaselineRefused,
  type BaselineResult,
} from './baseline.js';
export { eventPerformance, type Requested, type PerformanceInput, type IntervalPerformance, type EventPerformance } from './performance.js';
export type { Rate, Settlement } from './settlement.js';
export { checkGridCarbon, type GridCarbon, type GridCarbonPoint } from './energy-carbon.js';
export { integrateEnergy, type EnergyWindowInput, type EnergyWindow, type EnergySums, type EnergyBlock, type PowerSample } from './energy-integrate.js';
export { localDays, siteEnergyReport, type EnergyRow, type SiteDay, type SiteEnergyInput, type SiteEnergyReport } from './energy-report.js';
export { districtEnergyReport, eventPeakReduction, type DistrictEnergyReport, type EventPeakReduction } from './energy-district.js';
export { gridMeans, siteBaseline, siteCalendar, type MeteredSeries, type SiteBaseline } from './site-baseline.js';
export { sitePerformance, type IntervalView, type SitePerformanceView } from './site-performance.js';
