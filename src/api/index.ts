export { buildApp, type AppOptions } from './app.js';
export type { AdapterStatus, ApiDeps, SiteView } from './deps.js';
export { problem, type Problem } from './problem.js';
