import type { Setpoint, Site, SiteState } from '../domain/index.js';
import type { Plan } from '../schedule/index.js';

/**
 * Active DR obligations on the site's grid power now, kW (load convention: import > 0). Built
 * from OpenADR signals by `obligationsFrom` (control/README.md has the table). Under the site's
 * hard limits: a cap never breaks gridExportLimitKw, a floor never breaks gridImportLimitKw, a
 * cap or its source, and no obligation moves a battery past its SoC floor or ceiling.
 */
export interface ControlObligations {
  /** Grid power at most this (IMPORT_CAPACITY_LIMIT, DISPATCH_SETPOINT, sheds); may be < 0. */
  readonly importCapKw?: number;
  /** Export at most this, i.e. grid power at least −exportCapKw (EXPORT_CAPACITY_LIMIT). */
  readonly exportCapKw?: number;
  /**
   * Grid power at least this (DISPATCH_SETPOINT, a positive DISPATCH_SETPOINT_RELATIVE): the
   * batteries charge (or discharge less) to fill up to it, within their limits. Never above
   * importCapKw: the tightest cap wins over a floor.
   */
  readonly importFloorKw?: number;
  /** What set each bound ("DISPATCH_SETPOINT 300 kW (event e1)"), for setpoint reasons. */
  readonly sources?: {
    readonly importCap?: string;
    readonly exportCap?: string;
    readonly importFloor?: string;
  };
}

/**
 * What a controller sees in one cycle: the site and its state, frozen at the start of the
 * cycle (OpenEMS CycleWorker: freeze every channel, then run the controllers, then write), so
 * every controller in the cycle decides on the same numbers.
 */
export interface ProcessImage {
  readonly site: Site;
  readonly state: SiteState;
  /** The schedule the plan-following controller tracks (absent: no plan, guards only). */
  readonly plan?: Plan;
  /** Caps from active DR events, on top of the site's hard limits. */
  readonly obligations?: ControlObligations;
  /**
   * The expected mean grid power WITHOUT the batteries over the coming cycle, kW, when a
   * forecast that good exists (a perfect forecast in replay). A controller that acts once per
   * long cycle uses it instead of the instant reading, which may not hold over the cycle.
   */
  readonly nowcastNetKw?: number;
}

export interface ControllerResult<S> {
  readonly setpoints: Setpoint[];
  readonly state: S;
  /** Why something was not done (unavailable asset, bad meter), for logs and the API. */
  readonly notes?: string[];
}

/**
 * A controller: a pure function of the image, the cycle time and its own state. No I/O, no
 * Date.now(), no module state, so a cycle is reproducible from its inputs and testable by
 * tables of cycles. A later planner-driven controller keeps this signature.
 */
export type Controller<S> = (image: ProcessImage, nowMs: number, state: S) => ControllerResult<S>;

/** A deep-frozen copy of site and state: a controller that tries to mutate it throws. */
export function processImage(site: Site, state: SiteState): ProcessImage {
  return deepFreeze(structuredClone({ site, state }));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
