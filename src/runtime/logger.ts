import { pino } from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stderr (stdout carries only a command's output). */
export function createLogger(level: string = process.env.VPP_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'vpp' } }, pino.destination({ fd: 2, sync: true }));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
