import type { Site } from '../domain/index.js';
import type { ControlObligations } from './types.js';

export type DecisionRule =
  | 'peak-shaving'
  | 'safety: import limit'
  | 'safety: export limit'
  | 'dr: import cap'
  | 'dr: import floor'
  | 'dr: export cap'
  | 'recharge'
  | 'idle';

/** The site-level decision of one cycle, before it is split across batteries. */
export interface Decision {
  /** Total battery power, load convention: < 0 discharge, > 0 charge, 0 idle. */
  readonly totalKw: number;
  readonly direction: 'discharge' | 'charge' | 'idle';
  /**
   * The largest total, in the decision's direction, that the site's hard limits and DR bounds
   * allow (down to the floor when discharging, up to the ceiling when charging), kW.
   */
  readonly siteCapKw: number;
  readonly rule: DecisionRule;
  /** Which rule, with the numbers it acted on, and any limit that cut it down. */
  readonly reason: string;
}

/** What the available batteries together can do now, kW (>= 0). */
export interface FleetLimits {
  readonly dischargeKw: number;
  readonly chargeKw: number;
}

const kw = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} kW` : x > 0 ? '+inf' : '-inf');
const INF = Number.POSITIVE_INFINITY;
const src = (s: string | undefined): string => (s === undefined ? '' : ` (${s})`);

interface Bound {
  readonly kw: number;
  /** For "limited by …". */
  readonly name: string;
  readonly rule: DecisionRule;
  /** For the rule's own reason. */
  readonly why: (netKw: number) => string;
}

/**
 * The band the grid power must stay in. Precedence when bounds conflict: the site's hard limits,
 * then a DR cap, then DR floors (the import side wins: it is what we are paid and fined on).
 */
function bounds(site: Site, o: ControlObligations): { ceil: Bound; floor: Bound } {
  const exportLimit = site.gridExportLimitKw;
  const hardFloorKw = exportLimit === undefined ? -INF : -exportLimit;
  const dr = o.importCapKw !== undefined && o.importCapKw < site.gridImportLimitKw;
  const ceil: Bound = dr
    ? {
        kw: Math.max(o.importCapKw ?? INF, hardFloorKw),
        name: `dr import cap ${o.importCapKw} kW${src(o.sources?.importCap)}`,
        rule: 'dr: import cap',
        why: (n) =>
          `dr: import cap: import ${kw(n)} > cap ${o.importCapKw} kW${src(o.sources?.importCap)}` +
          // A cap that asks for more export than the site may give is held at the export limit.
          ((o.importCapKw ?? INF) < hardFloorKw ? `; limited by grid export limit ${exportLimit ?? ''} kW` : ''),
      }
    : {
        kw: site.gridImportLimitKw,
        name: `grid import limit ${site.gridImportLimitKw} kW`,
        rule: 'safety: import limit',
        why: (n) => `safety: import limit: import ${kw(n)} > limit ${site.gridImportLimitKw} kW`,
      };
  const floors: Bound[] = [
    {
      kw: hardFloorKw,
      name: `grid export limit ${exportLimit ?? ''} kW`,
      rule: 'safety: export limit',
      why: (n) => `safety: export limit: export ${kw(-n)} > limit ${exportLimit ?? ''} kW`,
    },
  ];
  if (o.exportCapKw !== undefined) {
    floors.push({
      kw: -o.exportCapKw,
      name: `dr export cap ${o.exportCapKw} kW${src(o.sources?.exportCap)}`,
      rule: 'dr: export cap',
      why: (n) => `dr: export cap: export ${kw(-n)} > cap ${o.exportCapKw} kW${src(o.sources?.exportCap)}`,
    });
  }
  if (o.importFloorKw !== undefined) {
    floors.push({
      kw: o.importFloorKw,
      name: `dr import floor ${o.importFloorKw} kW${src(o.sources?.importFloor)}`,
      rule: 'dr: import floor',
      why: (n) => `dr: import floor: import ${kw(n)} < floor ${o.importFloorKw} kW${src(o.sources?.importFloor)}`,
    });
  }
  // The highest floor binds; a tie goes to the earlier (the hard limit before a DR bound).
  const top = floors.reduce((a, b) => (b.kw > a.kw ? b : a));
  return { ceil, floor: { ...top, kw: Math.min(top.kw, ceil.kw) } };
}

/**
 * Peak shaving / valley filling on the import *without* the batteries (`netKw` = grid −
 * battery power), as OpenEMS's ControllerEssPeakShavingImpl does: deciding on the metered
 * grid power would make the loop chase its own action and oscillate. In order:
 *
 * - below the floor (site export limit, DR export cap, DR import floor) or below
 *   rechargeBelowKw (default and at most peakTargetKw, so recharging can never create a peak):
 *   charge up to the higher of the two, never so that import exceeds the ceiling (import
 *   limit or DR cap);
 * - above the ceiling or the peak target: discharge down to the lower, never below the floor;
 * - otherwise idle. Without peakTargetKw only the limits and DR bounds act.
 * The battery SoC bounds are in `fleet` (0 at the floor / ceiling): no rule ever crosses them.
 */
export function decide(site: Site, netKw: number, fleet: FleetLimits, obligations: ControlObligations = {}): Decision {
  const { ceil, floor } = bounds(site, obligations);
  const target = site.peakTargetKw;
  const rechargeBelowKw = target === undefined ? -INF : Math.min(site.rechargeBelowKw ?? target, target);
  const lowKw = Math.max(floor.kw, rechargeBelowKw);
  // At or over the ceiling nothing may charge (rechargeBelowKw may sit above a lower import limit).
  if (netKw < lowKw && netKw < ceil.kw) {
    const byFloor = floor.kw >= rechargeBelowKw;
    const base = byFloor ? floor.why(netKw) : `recharge: import ${kw(netKw)} < ${rechargeBelowKw} kW`;
    const importCapKw = Math.max(0, ceil.kw - netKw);
    const { valueKw, limitedBy } = clamp(lowKw - netKw, [
      [fleet.chargeKw, `battery charge power ${kw(fleet.chargeKw)}`],
      [importCapKw, ceil.name],
    ]);
    return {
      totalKw: valueKw,
      direction: 'charge',
      siteCapKw: importCapKw,
      rule: byFloor ? floor.rule : 'recharge',
      reason: limitedBy === undefined ? base : `${base}; limited by ${limitedBy}`,
    };
  }
  const upperKw = Math.min(target ?? INF, ceil.kw);
  if (netKw > upperKw) {
    const byTarget = target !== undefined && target <= ceil.kw;
    const base = byTarget ? `peak-shaving: import ${kw(netKw)} > target ${target} kW` : ceil.why(netKw);
    const exportCapKw = Math.max(0, netKw - floor.kw);
    const { valueKw, limitedBy } = clamp(netKw - upperKw, [
      [fleet.dischargeKw, `battery discharge power ${kw(fleet.dischargeKw)}`],
      [exportCapKw, floor.name],
    ]);
    return {
      // + 0: a discharge cut to nothing is 0, not -0.
      totalKw: -valueKw + 0,
      direction: 'discharge',
      siteCapKw: exportCapKw,
      rule: byTarget ? 'peak-shaving' : ceil.rule,
      reason: limitedBy === undefined ? base : `${base}; limited by ${limitedBy}`,
    };
  }
  const active = Object.keys(obligations).some((k) => k !== 'sources');
  const within = active ? `; dr bounds [${kw(floor.kw)}, ${kw(ceil.kw)}] met` : '';
  const reason =
    target === undefined ? `idle: no peak target${within}` : `idle: import ${kw(netKw)} within target ${target} kW${within}`;
  return { totalKw: 0, direction: 'idle', siteCapKw: 0, rule: 'idle', reason };
}

/** The wanted value cut to the tightest cap, and which cap that was. */
function clamp(
  wantedKw: number,
  caps: readonly (readonly [number, string])[],
): { valueKw: number; limitedBy: string | undefined } {
  let valueKw = wantedKw;
  let limitedBy: string | undefined;
  for (const [capKw, name] of caps) {
    if (capKw < valueKw) {
      valueKw = capKw;
      limitedBy = name;
    }
  }
  return { valueKw: Math.max(0, valueKw), limitedBy };
}
