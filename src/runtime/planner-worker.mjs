// Entry of the live planner's solver thread. A worker thread does not inherit tsx's loader
// (registered by `tsx` or bin/vpp.js in the main thread; `--import tsx` in the worker's
// execArgv is not honoured on Node 20), so it registers tsx itself, as bin/vpp.js does, then
// loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./planner-worker.ts');
