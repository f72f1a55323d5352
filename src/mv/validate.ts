import { inputChecks } from '../domain/index.js';

/** Stable code of every refusal of an M&V input; the message names the field and the value. */
export const MV_INVALID_INPUT = 'MV_INVALID_INPUT';

export const { invalid: invalidInput, finite, atLeast, positive } = inputChecks(MV_INVALID_INPUT, 'mv');

export function positiveInteger(field: string, value: unknown): number {
  const v = finite(field, value);
  if (!(Number.isInteger(v) && v > 0)) throw invalidInput(field, 'must be a positive integer', v);
  return v;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date `YYYY-MM-DD` that exists (no 2025-02-30). */
export function isoDate(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidInput(field, 'must be a date YYYY-MM-DD', value);
  const m = ISO_DATE.exec(value);
  const ok = m !== null && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
  if (!ok) throw invalidInput(field, 'must be a date YYYY-MM-DD', value);
  return value;
}
