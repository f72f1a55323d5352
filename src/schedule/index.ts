export type { Plan, PlanBattery, PlanInput } from './types.js';
export { planSchedule, planLpText, type PlanMode } from './plan.js';
export { SCHEDULE_INVALID_INPUT } from './validate.js';
export { touPricePerSlot, carbonPerSlot, checkTouPeriods, localMinuteOfDay, type TouPeriod, type CarbonPoint } from './tariff.js';
export { peakBlockKw, peakSlidingKw } from './demand.js';
export { perfectForecast, persistenceForecast, noisyForecast, seriesMeanKw, type SeriesPoint } from './forecast.js';
export { pvForecastKw, cosSolarZenith, haurwitzGhiWm2, type PvForecastInput, type PvForecast } from './pv-forecast.js';
export {
  batterySlotKw,
  coveredMeanKw,
  flexHistoryRanges,
  flexibilityForecast,
  quarterHourStartMs,
  FLEX_MAX_HOLD_S,
  FLEX_MIN_COVERAGE,
  FLEX_SLOT_S,
  type FlexBattery,
  type FlexForecast,
  type FlexForecastInput,
  type FlexHistoryPoint,
  type FlexSlot,
} from './flexibility.js';
