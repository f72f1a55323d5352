export { startScenario, type SimEndpoint, type SimRun, type SimRunOptions } from './run.js';
export { buildSites, buildModel, type BuiltSite } from './build.js';
export { FaultView } from './fault-view.js';
export { assignUnits, type ModbusUnit } from './modbus-site.js';
