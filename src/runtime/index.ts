export { startController, type RunningController, type StartOptions } from './controller.js';
export { createLogger, silentLogger, type Logger } from './logger.js';
export { createModeTable, memoryModeLog, validateModeChange, type EffectiveMode, type ModeSetting, type ModeTable } from './modes.js';
export { guardManualKw, planModes, type GridContext, type ModePlan, type ModePlanInput } from './mode-plan.js';
