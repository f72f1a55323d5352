import {
  createStaticThreshold,
  initialPeakShavingState,
  initialPlanFollowingState,
  peakShaving,
  planFollowing,
  createPlanFollowing,
  type Controller,
  type ProcessImage,
} from '../../control/index.js';
import { VppError, type Setpoint } from '../../domain/index.js';
import type { ReplayControllerName, ReplayOptions, StaticThresholdKw } from './types.js';

/** One site's controller with its state kept inside: image and time in, setpoints out. */
export type SiteController = (image: ProcessImage, nowMs: number) => Setpoint[];

function bind<S>(c: Controller<S>, initial: S): SiteController {
  let state = initial;
  return (image, nowMs) => {
    const out = c(image, nowMs, state);
    state = out.state;
    return out.setpoints;
  };
}

function isPair(x: unknown): x is StaticThresholdKw {
  return typeof x === 'object' && x !== null && typeof (x as StaticThresholdKw).dischargeAboveKw === 'number';
}

/**
 * The controller a replay runs on one site. 'peak-shaving' keeps the site's peakTargetKw, lowered
 * to an active DR import cap; 'static-threshold' defaults to P = 85 % and R = 60 % of the
 * uncontrolled peak (the bench's rule-of-thumb baseline) unless the options give the pair.
 */
export function controllerFor(
  name: ReplayControllerName,
  siteId: string,
  options: ReplayOptions,
  uncontrolledPeakKw: number,
  demandWindow: 'block' | 'sliding',
  stepS: number,
): SiteController | null {
  switch (name) {
    case 'none':
      return null;
    case 'plan':
      // One reading per step: beyond a minute it no longer stands for the step (load noise
      // changes every minute), so in peak slots the plan's slot means lead (see PlanFollowingOptions).
      // Under a sliding window with steps shorter than a quarter hour the plan comes at the
      // physics step (planning.ts): each step's planned power is what to do, so follow it.
      if (demandWindow === 'sliding' && stepS < 900) return bind(createPlanFollowing({ demandWindow, peakSlots: 'planned' }), initialPlanFollowingState);
      return bind(stepS <= 60 && demandWindow === 'block' ? planFollowing : createPlanFollowing({ demandWindow, peakSlots: stepS <= 60 ? 'measured' : 'planned' }), initialPlanFollowingState);
    case 'peak-shaving': {
      const inner = bind(peakShaving, initialPeakShavingState);
      return (image, nowMs) => {
        const cap = image.obligations?.importCapKw;
        if (cap === undefined) return inner(image, nowMs);
        const site = { ...image.site, peakTargetKw: Math.min(image.site.peakTargetKw ?? Infinity, cap) };
        return inner({ ...image, site }, nowMs);
      };
    }
    case 'static-threshold': {
      const given = options.staticThreshold;
      const pair = given === undefined ? undefined : isPair(given) ? given : (given as Readonly<Record<string, StaticThresholdKw>>)[siteId];
      const p = pair ?? { dischargeAboveKw: 0.85 * uncontrolledPeakKw, rechargeBelowKw: 0.6 * uncontrolledPeakKw };
      return bind(createStaticThreshold(p), initialPeakShavingState);
    }
    default:
      throw new VppError('REPLAY_OPTION_INVALID', `replay: controller must be plan, peak-shaving, static-threshold or none, got ${JSON.stringify(name)}`);
  }
}
