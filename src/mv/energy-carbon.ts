import { atLeast, finite, invalidInput } from './validate.js';

/** A point of a grid carbon-intensity series; its value holds until the next point. */
export interface GridCarbonPoint {
  readonly atMs: number;
  readonly kgPerKwh: number;
}

/**
 * The grid's carbon intensity, kg CO2 per kWh imported: a constant, or a time-varying series
 * (e.g. hourly marginal factors) whose value holds until its next point, as a scenario's
 * `carbon: {csv}` and the planner read it. Before the first point there is no factor.
 */
export type GridCarbon =
  | { readonly kind: 'constant'; readonly kgPerKwh: number }
  | { readonly kind: 'series'; readonly points: readonly GridCarbonPoint[] };

/** Throws MV_INVALID_INPUT naming the field unless the factor is usable (>= 0, series increasing). */
export function checkGridCarbon(field: string, c: GridCarbon): GridCarbon {
  if (c.kind === 'constant') {
    atLeast(`${field}.kgPerKwh`, c.kgPerKwh, 0);
    return c;
  }
  if (c.kind !== 'series' || !Array.isArray(c.points)) throw invalidInput(field, "must be {kind: 'constant', kgPerKwh} or {kind: 'series', points}", c);
  c.points.forEach((p, i) => {
    atLeast(`${field}.points[${i}].kgPerKwh`, p.kgPerKwh, 0);
    const prev = c.points[i - 1];
    if (prev !== undefined && !(finite(`${field}.points[${i}].atMs`, p.atMs) > prev.atMs)) throw invalidInput(`${field}.points[${i}].atMs`, 'must increase', p.atMs);
  });
  return c;
}

/**
 * Walks a carbon factor forward in time (the integration asks in increasing order): the factor
 * in force at `atMs` and the next instant it changes.
 */
export class CarbonCursor {
  private i = -1;
  constructor(private readonly carbon: GridCarbon | undefined) {}

  /** kg/kWh in force at atMs; null with no factor configured, or before a series' first point. */
  at(atMs: number): number | null {
    const c = this.carbon;
    if (c === undefined) return null;
    if (c.kind === 'constant') return c.kgPerKwh;
    while (this.i + 1 < c.points.length && (c.points[this.i + 1]?.atMs ?? Infinity) <= atMs) this.i++;
    return this.i < 0 ? null : (c.points[this.i]?.kgPerKwh ?? null);
  }

  /** The first change after atMs (Infinity when none). Call after at(atMs). */
  nextChangeAfter(atMs: number): number {
    const c = this.carbon;
    if (c === undefined || c.kind === 'constant') return Infinity;
    const next = c.points[this.i + 1];
    return next !== undefined && next.atMs > atMs ? next.atMs : Infinity;
  }
}
