export { buildApp, type AppOptions } from './app.js';
export type { AdapterStatus, ApiDeps, EventStatusChange, MetricsExposition, ReadinessCheck, ReadinessReport, SiteView } from './deps.js';
export type { StreamOptions } from './routes/stream.js';
export { problem, type Problem } from './problem.js';
export { gridCarbonOf } from './routes/energy-report-data.js';
export { modeRoutes, type ModeControl, type ModeRouteDeps } from './routes/modes.js';
