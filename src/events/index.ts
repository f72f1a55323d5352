export { EVENTS_INVALID } from './validate.js';
export { formatDateTime, formatDurationS, parseDateTimeMs, parseDurationS } from './iso.js';
export { fromOpenAdrEvent, toOpenAdrEvent, type FromOpenAdrOptions } from './openadr-map.js';
export { fromOpenAdrProgram, parseProgramRate, toOpenAdrProgram } from './openadr-program.js';
export {
  activeSignals,
  cancelEvent,
  eventStatus,
  eventWindow,
  EVENTS_OPT_OUT_CANCELLED,
  EVENTS_OPT_OUT_TOO_LATE,
  intervalWindow,
  optOut,
  randomizeFraction,
  targetsSite,
  type ActiveSignalOptions,
} from './lifecycle.js';
export { parseEnrolment } from './enrolment-parse.js';
export {
  checkDispatch,
  clipObligation,
  type ClipContext,
  type DispatchCheck,
  type DispatchedEvent,
  type EnrolmentLimitName,
  type EnrolmentViolation,
} from './enrolment.js';
export { enrolledSite } from './enrolled-site.js';
export { localDayNumber, localWeekNumber } from './zone.js';
export {
  allocateGroupShed,
  reallocate,
  type AllocationOptions,
  type AllocationRecord,
  type ExcludedSite,
  type SiteShare,
} from './allocation.js';
