export { startController, type RunningController, type StartOptions } from './controller.js';
export { createLogger, silentLogger, type Logger } from './logger.js';
