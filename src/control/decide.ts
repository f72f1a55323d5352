import type { Site } from '../domain/index.js';

/** The site-level decision of one cycle, before it is split across batteries. */
export interface Decision {
  /** Total battery power, load convention: < 0 discharge, > 0 charge, 0 idle. */
  readonly totalKw: number;
  readonly direction: 'discharge' | 'charge' | 'idle';
  /**
   * The largest total, in the decision's direction, that the site's hard limits allow
   * (export limit when discharging, import limit when charging), kW.
   */
  readonly siteCapKw: number;
  readonly rule: 'peak-shaving' | 'safety: import limit' | 'recharge' | 'idle';
  /** Which rule, with the numbers it acted on, and any limit that cut it down. */
  readonly reason: string;
}

/** What the available batteries together can do now, kW (>= 0). */
export interface FleetLimits {
  readonly dischargeKw: number;
  readonly chargeKw: number;
}

const kw = (x: number): string => `${x.toFixed(1)} kW`;

/**
 * Peak shaving / valley filling on the import *without* the batteries (`netKw` = grid −
 * battery power), as OpenEMS's ControllerEssPeakShavingImpl does: deciding on the metered
 * grid power would make the loop chase its own action and oscillate.
 *
 * - import above the target (or above gridImportLimitKw, which a target never overrides):
 *   discharge down to it, never so far that export exceeds gridExportLimitKw;
 * - import below rechargeBelowKw (default and at most peakTargetKw, so recharging can never
 *   create a peak): charge with the headroom, never so that import exceeds gridImportLimitKw;
 * - otherwise idle. Without peakTargetKw only the import-limit guard acts.
 */
export function decide(site: Site, netKw: number, fleet: FleetLimits): Decision {
  const target = site.peakTargetKw;
  const upperKw = Math.min(target ?? Number.POSITIVE_INFINITY, site.gridImportLimitKw);
  if (netKw > upperKw) {
    const byTarget = target !== undefined && target <= site.gridImportLimitKw;
    const base = byTarget
      ? `peak-shaving: import ${kw(netKw)} > target ${target} kW`
      : `safety: import limit: import ${kw(netKw)} > limit ${site.gridImportLimitKw} kW`;
    const exportCapKw =
      site.gridExportLimitKw === undefined ? Number.POSITIVE_INFINITY : Math.max(0, netKw + site.gridExportLimitKw);
    const { valueKw, limitedBy } = clamp(netKw - upperKw, [
      [fleet.dischargeKw, `battery discharge power ${kw(fleet.dischargeKw)}`],
      [exportCapKw, `grid export limit ${site.gridExportLimitKw ?? ''} kW`],
    ]);
    return {
      // + 0: a discharge cut to nothing is 0, not -0.
      totalKw: -valueKw + 0,
      direction: 'discharge',
      siteCapKw: exportCapKw,
      rule: byTarget ? 'peak-shaving' : 'safety: import limit',
      reason: limitedBy === undefined ? base : `${base}; limited by ${limitedBy}`,
    };
  }
  if (target !== undefined) {
    const rechargeBelowKw = Math.min(site.rechargeBelowKw ?? target, target);
    if (netKw < rechargeBelowKw) {
      const base = `recharge: import ${kw(netKw)} < ${rechargeBelowKw} kW`;
      const importCapKw = Math.max(0, site.gridImportLimitKw - netKw);
      const { valueKw, limitedBy } = clamp(rechargeBelowKw - netKw, [
        [fleet.chargeKw, `battery charge power ${kw(fleet.chargeKw)}`],
        [importCapKw, `grid import limit ${site.gridImportLimitKw} kW`],
      ]);
      return {
        totalKw: valueKw,
        direction: 'charge',
        siteCapKw: importCapKw,
        rule: 'recharge',
        reason: limitedBy === undefined ? base : `${base}; limited by ${limitedBy}`,
      };
    }
    return { totalKw: 0, direction: 'idle', siteCapKw: 0, rule: 'idle', reason: `idle: import ${kw(netKw)} within target ${target} kW` };
  }
  return { totalKw: 0, direction: 'idle', siteCapKw: 0, rule: 'idle', reason: 'idle: no peak target' };
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
