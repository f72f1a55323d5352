import { pino } from 'pino';
import { VppError } from '../domain/index.js';

export type Logger = pino.Logger;

/** The levels VPP_LOG_LEVEL accepts, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * Structured logs: one JSON object per line on stderr (stdout carries only a command's output),
 * `{"level":"info","time":"2025-…Z","app":"vpp","component":"control-loop","site":…,"msg":…}`.
 * The level is a name and the time ISO 8601, so log shippers (Loki, Elastic, journald) need no
 * mapping. `destination` is for tests; default stderr, written synchronously so that nothing is
 * lost when the process exits right after a line.
 */
export function createLogger(level: string = process.env.VPP_LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new VppError('LOG_LEVEL_INVALID', `VPP_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  return pino(
    {
      level,
      base: { app: 'vpp', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A part of the runtime logs under its name (`component`), plus fields every line of it carries (`site`, `asset`). */
export function componentLogger(log: Logger, component: string, fields: Readonly<Record<string, string>> = {}): Logger {
  return log.child({ component, ...fields });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
