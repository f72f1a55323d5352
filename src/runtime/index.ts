export { startController, type RunningController, type StartOptions } from './controller.js';
export { startClusterController } from './cluster-controller.js';
export { componentLogger, createLogger, LOG_LEVELS, silentLogger, type Logger } from './logger.js';
export { createRuntimeMetrics, reasonClass, type LoopMetrics, type MetricsSources, type RuntimeMetrics, type WebhookDeliveryCounts } from './metrics.js';
export { readinessReport, type ReadinessInput } from './readiness.js';
export { createModeTable, memoryModeLog, validateModeChange, type EffectiveMode, type ModeSetting, type ModeTable } from './modes.js';
export { guardManualKw, planModes, type GridContext, type ModePlan, type ModePlanInput } from './mode-plan.js';
