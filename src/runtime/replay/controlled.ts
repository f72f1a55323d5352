import type { ProcessImage } from '../../control/index.js';
import type { Site } from '../../domain/index.js';
import type { Plan } from '../../schedule/index.js';
import { BatteryModel, FaultTimeline, buildSites, type BuiltSite, type Scenario } from '../../../simulators/index.js';
import type { SiteController } from './controllers.js';
import type { StepSeries } from './forecast.js';
import { replan, slotStartMs } from './planning.js';
import { SiteReader, controlSite } from './site-image.js';
import { commandFlexLoad } from './flex-commands.js';
import { capsAt } from './tariff.js';

/** What the controlled run records per site, step by step (step means, end-of-step SoC). */
export interface ControlledSite {
  readonly built: BuiltSite;
  readonly gridKw: number[];
  readonly importCapKw: (number | null)[];
  readonly planPeakKw: (number | null)[];
  readonly batteries: Map<string, { model: BatteryModel; powerKw: number[]; socPct: number[]; minSocPct: number }>;
}

export interface ControlledRunInput {
  readonly scenario: Scenario;
  readonly controllers: ReadonlyMap<string, SiteController | null>;
  /** Present for the 'plan' controller: the base forecast per site. */
  readonly forecasts: ReadonlyMap<string, StepSeries> | null;
  readonly onProgress?: (doneSteps: number, totalSteps: number) => void;
}

interface Loop extends ControlledSite {
  readonly site: Site;
  readonly reader: SiteReader;
  readonly controller: SiteController | null;
  plan: Plan | undefined;
  blockStartMs: number;
  blockImportKwhAtStart: number;
  peakSoFarKw: number;
}

/**
 * The closed loop on simulated physics and clock: each step reads the site as the field would
 * show it, runs the controller, sends setpoints to the batteries, EV chargers and HVAC units
 * that answer (batteries and chargers with a revert
 * timer, so a battery the controller stops seeing falls back to its safe state), then steps the
 * physics. With a forecast the site is re-planned at every quarter-hour boundary (MPC).
 */
export async function runControlled(input: ControlledRunInput): Promise<ControlledSite[]> {
  const s = input.scenario;
  const faults = FaultTimeline.fromScenario(s);
  const revertS = Math.max(3 * s.stepS, 60);
  const loops: Loop[] = buildSites(s).map((built) => {
    const site = deepFreeze(controlSite(built, s.stepS));
    const batteries = new Map<string, { model: BatteryModel; powerKw: number[]; socPct: number[]; minSocPct: number }>();
    for (const m of built.models.values()) if (m instanceof BatteryModel) batteries.set(m.id, { model: m, powerKw: [], socPct: [], minSocPct: m.socPct() });
    return {
      built, site, batteries, reader: new SiteReader(built, site, faults), controller: input.controllers.get(site.id) ?? null,
      gridKw: [], importCapKw: [], planPeakKw: [], plan: undefined,
      blockStartMs: slotStartMs(s.startMs, s.startOffsetMin), blockImportKwhAtStart: 0, peakSoFarKw: 0,
    };
  });
  for (let i = 0; i < s.steps; i++) {
    const nowMs = s.startMs + i * s.stepS * 1000;
    for (const l of loops) {
      trackBlocks(l, nowMs, s.startOffsetMin, s.startMs);
      const caps = capsAt(s, l.site.id, nowMs);
      const forecast = input.forecasts?.get(l.site.id);
      const boundary = i === 0 || slotStartMs(nowMs, s.startOffsetMin) !== slotStartMs(nowMs - s.stepS * 1000, s.startOffsetMin);
      if (l.controller !== null && forecast !== undefined && boundary) {
        const liveBatteryIds = new Set([...l.batteries.keys()].filter((id) => l.reader.live(id, nowMs)));
        l.plan = await replan({ scenario: s, built: l.built, site: l.site, forecast, nowMs, liveBatteryIds, peakFloorKw: floorOf(l.peakSoFarKw) });
        if (l.plan !== undefined) deepFreeze(l.plan);
      }
      if (l.controller !== null) {
        // The state is read fresh each step and the site and plan are frozen: no copy needed (processImage would clone).
        // With a perfect forecast the controller knows the step's mean base load (what the optimum
        // is computed with); otherwise it sees only the reading at the step's start.
        const nowcast = s.forecast.kind === 'perfect' ? forecast?.valuesKw[i] : undefined;
        const image: ProcessImage = {
          site: l.site,
          state: l.reader.read(nowMs),
          ...(l.plan !== undefined ? { plan: l.plan } : {}),
          obligations: caps,
          ...(nowcast !== undefined && liveAll(l, nowMs) ? { nowcastNetKw: nowcast } : {}),
        };
        for (const sp of l.controller(image, nowMs)) {
          // A device that does not answer never receives the command.
          if (!l.reader.live(sp.assetId, nowMs)) continue;
          const b = l.batteries.get(sp.assetId);
          if (b !== undefined) b.model.command(sp.powerKw, revertS);
          else commandFlexLoad(l.built.models.get(sp.assetId), sp, revertS);
        }
      }
      l.importCapKw.push(caps.importCapKw ?? null);
      l.planPeakKw.push(l.plan?.peakKw ?? null);
      const before = [...l.batteries.values()].map((b) => b.model.energyChargedKwh() - b.model.energyDischargedKwh());
      l.built.physics.step(s.stepS);
      l.gridKw.push(l.built.physics.meter.lastStepGridKw());
      [...l.batteries.values()].forEach((b, j) => {
        const kwh = b.model.energyChargedKwh() - b.model.energyDischargedKwh() - (before[j] ?? 0);
        b.powerKw.push((kwh * 3600) / s.stepS);
        const soc = b.model.socPct();
        b.socPct.push(soc);
        b.minSocPct = Math.min(b.minSocPct, soc);
      });
    }
    input.onProgress?.(i + 1, s.steps);
  }
  return loops;
}

/** A nowcast of the base load is only the site's net without batteries while every battery answers. */
function liveAll(l: Loop, nowMs: number): boolean {
  return [...l.batteries.keys()].every((id) => l.reader.live(id, nowMs));
}

/**
 * The floor handed to the planner: the peak so far less 0.5 %. A block that ends a hair above
 * plan (an actuator delay in its last step) would otherwise lift the floor, the next plan would
 * aim at the lifted floor, and small overshoots would ratchet the peak up block after block.
 */
function floorOf(peakSoFarKw: number): number {
  return Math.max(0, peakSoFarKw * 0.995);
}

/** Keeps the largest completed clock-aligned quarter-hour import: the plan's peak floor. */
function trackBlocks(l: Loop, nowMs: number, offsetMin: number, runStartMs: number): void {
  const block = slotStartMs(nowMs, offsetMin);
  if (block === l.blockStartMs) return;
  const importKwh = l.built.physics.meter.energyImportKwh();
  // A first block cut by the run's start is averaged over the part run, as the KPIs do.
  const fromMs = Math.max(l.blockStartMs, runStartMs);
  if (nowMs > fromMs) l.peakSoFarKw = Math.max(l.peakSoFarKw, ((importKwh - l.blockImportKwhAtStart) * 3.6e6) / (nowMs - fromMs));
  l.blockStartMs = block;
  l.blockImportKwhAtStart = importKwh;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
