export * from './clock.js';
export type * from './types.js';
export { ScenarioError, SCENARIO_INVALID, formatProblem, type ScenarioProblem } from './problems.js';
export { loadScenarioFile, parseScenario, type ParseScenarioOptions } from './load.js';
export { FaultTimeline, type ActiveFault, type FaultTransition } from './faults.js';
export { expandDaily } from './build-assets.js';
export { fixedOffsetZone } from './time.js';
export {
  ScenarioFileSchema,
  SCENARIO_VERSIONS,
  SCENARIO_ASSET_TYPES,
  FAULT_KINDS,
  SERVE_PROTOCOLS,
  type ScenarioAssetType,
} from './schema/index.js';
