import { finiteNumber, invalidOption, numberInRange } from './validate.js';

/**
 * What the battery does when a command's revert timer runs out, as SunSpec 704's revert values
 * allow: idle, a fixed power, or keep the command but limited to pct % of the power ratings.
 */
export type BatteryRevertFallback =
  | { readonly kind: 'idle' }
  | { readonly kind: 'powerKw'; readonly powerKw: number }
  | { readonly kind: 'limitPct'; readonly pct: number };

/** Checks a fallback from outside (scenario files), naming `field`. */
export function checkBatteryFallback(field: string, fb: BatteryRevertFallback): BatteryRevertFallback {
  switch (fb?.kind) {
    case 'idle':
      return fb;
    case 'powerKw':
      finiteNumber(`${field}.powerKw`, fb.powerKw);
      return fb;
    case 'limitPct':
      numberInRange(`${field}.pct`, fb.pct, 0, 100);
      return fb;
    default:
      throw invalidOption(`${field}.kind`, 'must be idle, powerKw or limitPct', (fb as { kind?: unknown } | undefined)?.kind);
  }
}
