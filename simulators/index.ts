/**
 * The outside world, simulated: physics (models/), the sim clock (scenario/) and the servers
 * that expose them over real protocols (servers/). Imports src/domain only, never controller code.
 */
export * from './models/index.js';
export * from './scenario/index.js';
export * from './servers/index.js';
export * from './servers/site/index.js';
export * from './scenario/runner/index.js';
