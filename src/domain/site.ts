import type { Asset } from './asset.js';
import type { OperatingMode } from './mode.js';

/** A site: one grid connection point with its assets and the limits the controller keeps. */
export interface Site {
  readonly id: string;
  readonly name: string;
  /** IANA time zone; tariffs, calendars and daily times are in this zone. */
  readonly timezone: string;
  /** Hard limit on import at the grid connection point, kW (> 0). */
  readonly gridImportLimitKw: number;
  /** Hard limit on export, kW (> 0), when the site has one. */
  readonly gridExportLimitKw?: number;
  /** Peak shaving target: keep import at or below this, kW. Absent: no peak shaving. */
  readonly peakTargetKw?: number;
  /** Recharge batteries only while import is below this, kW. Defaults to peakTargetKw. */
  readonly rechargeBelowKw?: number;
  readonly assets: readonly Asset[];
  /**
   * OpenADR SIMPLE levels 0..3 as a shed in kW against the baseline ([0] = normal operation,
   * so 0). Absent: 0 / 10 / 20 / 30 % of gridImportLimitKw (control/README.md).
   */
  readonly simpleShedKw?: readonly [number, number, number, number];
  /** Operating mode at start when no operator has set one (default auto). */
  readonly mode?: OperatingMode;
}
