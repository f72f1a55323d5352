import { VppError } from '../../src/domain/index.js';

/**
 * Checks on numbers given to the simulators (scenario files, CLI flags, test options). Each
 * failure is a VppError naming the field and the value seen, never a silent default.
 */
export const SIM_OPTION_INVALID = 'SIM_OPTION_INVALID';

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}

export function invalidOption(field: string, problem: string, value: unknown): VppError {
  return new VppError(SIM_OPTION_INVALID, `${field} ${problem}, got ${describe(value)}`);
}

export function finiteNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidOption(field, 'must be a finite number', value);
  return value;
}

export function positiveNumber(field: string, value: unknown): number {
  const n = finiteNumber(field, value);
  if (n <= 0) throw invalidOption(field, 'must be > 0', value);
  return n;
}

export function nonNegativeNumber(field: string, value: unknown): number {
  const n = finiteNumber(field, value);
  if (n < 0) throw invalidOption(field, 'must be >= 0', value);
  return n;
}

export function numberInRange(field: string, value: unknown, min: number, max: number): number {
  const n = finiteNumber(field, value);
  if (n < min || n > max) throw invalidOption(field, `must be within [${min}, ${max}]`, value);
  return n;
}

export function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidOption(field, 'must be a non-empty string', value);
  return value;
}
