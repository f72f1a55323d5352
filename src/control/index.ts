export { processImage, type Controller, type ControlObligations, type ControllerResult, type ProcessImage } from './types.js';
export {
  createPeakShaving,
  initialPeakShavingState,
  peakShaving,
  type PeakShavingOptions,
  type PeakShavingState,
} from './peak-shaving.js';
export { decide, type Decision, type FleetLimits } from './decide.js';
export { splitByWeight, type SplitPart } from './split.js';
export {
  createPlanFollowing,
  createStaticThreshold,
  initialPlanFollowingState,
  planFollowing,
  type PlanFollowingOptions,
  type PlanFollowingState,
} from './plan-following.js';
