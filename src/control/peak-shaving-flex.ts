import type { Decision, FleetLimits } from './decide.js';
import { decide } from './decide.js';
import { evSetpoints, hvacSetpoints, shedEvs, shedHvacs, type FlexLoads } from './flex-loads.js';
import type { ControllerResult, ProcessImage } from './types.js';

export interface FlexCycle {
  /** Import without the batteries, kW. */
  readonly netKw: number;
  readonly fleet: FleetLimits;
  readonly flex: FlexLoads;
}

const INF = Number.POSITIVE_INFINITY;

/**
 * One peak-shaving cycle on a site with EV chargers or HVAC units (see createPeakShaving): the
 * excess of the import with every load released goes to the EVs (down to their departure
 * floor), then the batteries (`dispatch` splits their share), then whole HVAC units; what a
 * unit frees beyond the need is given back to the batteries.
 */
export function withFlexLoads<S>(image: ProcessImage, nowMs: number, c: FlexCycle, dispatch: (d: Decision) => ControllerResult<S>): ControllerResult<S> {
  const { site } = image;
  const cap = image.obligations?.importCapKw;
  const upperKw = Math.min(site.peakTargetKw ?? INF, site.gridImportLimitKw, cap ?? INF);
  const releasedKw = c.netKw - c.flex.powerKw + c.flex.wantKw;
  const why =
    upperKw === site.peakTargetKw
      ? `peak-shaving: import with loads released ${releasedKw.toFixed(1)} kW > target ${upperKw} kW`
      : upperKw === cap
        ? `dr: import cap: import with loads released ${releasedKw.toFixed(1)} kW > cap ${upperKw} kW`
        : `safety: import limit: import with loads released ${releasedKw.toFixed(1)} kW > limit ${upperKw} kW`;
  const evRoomKw = c.flex.evs.reduce((s, e) => s + e.shedKw, 0);
  const evShed = shedEvs(c.flex.evs, Math.min(evRoomKw, Math.max(0, releasedKw - upperKw)));
  const afterEvKw = releasedKw - [...evShed.values()].reduce((s, v) => s + v, 0);
  let decision = decide(site, afterEvKw, c.fleet, image.obligations);
  const residualKw = afterEvKw + decision.totalKw - upperKw;
  const held = residualKw > 1e-9 ? shedHvacs(c.flex.hvacs, residualKw) : new Set<string>();
  const hvacShedKw = c.flex.hvacs.reduce((s, x) => s + (held.has(x.asset.id) ? x.shedKw : 0), 0);
  const spareKw = hvacShedKw - residualKw;
  if (held.size > 0 && spareKw > 0 && decision.totalKw < 0) {
    decision = { ...decision, totalKw: Math.min(0, decision.totalKw + spareKw) + 0, reason: `${decision.reason}; hvac held off covers ${spareKw.toFixed(1)} kW of it` };
  }
  const out = dispatch(decision);
  const wanted = releasedKw > upperKw;
  return {
    ...out,
    setpoints: [
      ...out.setpoints,
      ...evSetpoints(c.flex.evs, evShed, why, site.id, nowMs),
      ...hvacSetpoints(c.flex.hvacs, held, why, wanted, site.id, nowMs),
    ],
  };
}
