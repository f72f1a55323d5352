import { VppError } from './errors.js';

/**
 * Number checks every layer runs on its inputs. Each layer keeps its own stable error code and
 * message prefix (`events: lookbackDays must be >= 1, got 0`), so callers branch on the layer's
 * code; only the wording rules and the checks themselves are shared.
 */
export interface InputChecks {
  /** The VppError for `field` breaking `rule`, naming the value seen. */
  readonly invalid: (field: string, rule: string, value: unknown) => VppError;
  /** A finite number; NaN, ±Infinity and non-numbers are refused, never taken as 0. */
  readonly finite: (field: string, value: unknown) => number;
  readonly atLeast: (field: string, value: unknown, min: number) => number;
  /** Strictly > 0. */
  readonly positive: (field: string, value: unknown) => number;
}

export function inputChecks(code: string, prefix: string): InputChecks {
  function invalid(field: string, rule: string, value: unknown): VppError {
    const shown = typeof value === 'number' || value === null || value === undefined ? String(value) : JSON.stringify(value);
    return new VppError(code, `${prefix}: ${field} ${rule}, got ${shown}`);
  }
  function finite(field: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, 'must be a finite number', value);
    return value;
  }
  return {
    invalid,
    finite,
    atLeast: (field, value, min) => {
      const v = finite(field, value);
      if (v < min) throw invalid(field, `must be >= ${min}`, v);
      return v;
    },
    positive: (field, value) => {
      const v = finite(field, value);
      if (!(v > 0)) throw invalid(field, 'must be > 0', v);
      return v;
    },
  };
}
