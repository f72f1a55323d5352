export { replayScenario } from './replay.js';
export { ImportIntegral } from './windows.js';
export { replayCsv } from './csv.js';
export { replayReportHtml } from './report.js';
export type {
  ReplayControllerName,
  ReplayEventResult,
  ReplayOptions,
  ReplayResult,
  ReplaySeries,
  ReplaySiteResult,
  ReplaySiteSeries,
  StaticThresholdKw,
} from './types.js';
