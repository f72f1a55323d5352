import type { OpcuaNodeRef } from './profile.js';

/**
 * A Variant's value as a canonical number, or null when it is none: booleans (EV `connected`)
 * count as 1/0; strings, arrays, null and non-finite numbers are not readings, never 0.
 */
export function deviceToCanonical(ref: OpcuaNodeRef, value: unknown): number | null {
  let n: number | null = null;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'boolean') n = value ? 1 : 0;
  if (n === null || !Number.isFinite(n)) return null;
  // `+ 0` turns -0 (a zero flipped by sign) into 0.
  return n * ref.scale * ref.sign + 0;
}
