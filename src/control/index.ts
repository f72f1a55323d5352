export { processImage, type Controller, type ControlObligations, type ControllerResult, type ProcessImage } from './types.js';
export {
  createPeakShaving,
  initialPeakShavingState,
  peakShaving,
  type PeakShavingOptions,
  type PeakShavingState,
} from './peak-shaving.js';
export { decide, type Decision, type DecisionRule, type FleetLimits } from './decide.js';
export { defaultSimpleShedKw, obligationsFrom, type DrObligations } from './obligations.js';
export { splitByWeight, type SplitPart } from './split.js';
export { readFlexLoads, type FlexEv, type FlexHvac, type FlexLoads } from './flex-loads.js';
export {
  createPlanFollowing,
  createStaticThreshold,
  initialPlanFollowingState,
  planFollowing,
  type PlanFollowingOptions,
  type PlanFollowingState,
} from './plan-following.js';
