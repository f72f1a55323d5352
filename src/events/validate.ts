import { inputChecks } from '../domain/index.js';

/** Stable code of every refusal of an events input; the message names the field and the value. */
export const EVENTS_INVALID = 'EVENTS_INVALID';

export const { invalid, finite: finiteAt, atLeast: atLeastAt, positive: positiveAt } = inputChecks(EVENTS_INVALID, 'events');

export function countAt(field: string, value: unknown): number {
  const v = finiteAt(field, value);
  if (!Number.isInteger(v) || v < 0) throw invalid(field, 'must be an integer >= 0', v);
  return v;
}

export function stringAt(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'must be a non-empty string', value);
  return value;
}

export function objectAt(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object', value);
  return value as Record<string, unknown>;
}

export function arrayAt(field: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw invalid(field, 'must be an array', value);
  return value as readonly unknown[];
}

/** Absent (undefined or null, as OpenADR's nullable fields send it) or the checked value. */
export function optional<T>(value: unknown, check: (v: unknown) => T): T | undefined {
  return value === undefined || value === null ? undefined : check(value);
}
