import type { ConfiguredSite } from '../config/index.js';
import {
  createPlanFollowing,
  initialPeakShavingState,
  initialPlanFollowingState,
  obligationsFrom,
  peakShaving,
  processImage,
  type Controller,
  type ControlObligations,
  type PeakShavingState,
  type PlanFollowingState,
} from '../control/index.js';
import type { DeviceAdapter, DrSignal, OperatingMode, Setpoint, Site, SiteState } from '../domain/index.js';
import type { Plan } from '../schedule/index.js';
import type { LivePlanner } from './live-planner.js';
import type { TimeSeriesStore } from '../store/index.js';
import type { Logger } from './logger.js';
import type { LoopMetrics } from './metrics.js';
import { planModes } from './mode-plan.js';
import type { EffectiveMode, ModeTable } from './modes.js';
import { sitePoints } from './recorder.js';
import { SetpointWriter } from './setpoint-writer.js';

export interface ControlLoopDeps {
  readonly sites: readonly ConfiguredSite[];
  readonly latest: ReadonlyMap<string, SiteState>;
  readonly adapters: ReadonlyMap<string, DeviceAdapter>;
  readonly store: TimeSeriesStore;
  readonly log: Logger;
  readonly modes: ModeTable;
  readonly cycleS: number;
  /** Plans for the sites with a tariff (issue 6); a site without a fresh plan runs peak shaving. */
  readonly planner?: LivePlanner;
  /** The DR signals active at a site now (OpenADR), as obligations for the controllers; default none. */
  readonly signals?: (siteId: string, nowMs: number) => readonly DrSignal[];
  /** The site as it must be guarded now (enrolment limits of the DR events in force: SoC floors, comfort bands); default as configured. */
  readonly siteFor?: (site: Site, nowMs: number) => Site;
  /** Cycle time and setpoint counters for /metrics; absent: none kept. */
  readonly metrics?: LoopMetrics;
}

/** A site's controller state: which controller ran last, and its state (a switch starts afresh). */
type SiteControl = { readonly kind: 'plan'; readonly state: PlanFollowingState } | { readonly kind: 'peak'; readonly state: PeakShavingState };

export interface ControlLoop {
  /** Sites the loop has run a control step for at least once (readiness). */
  controlled(): ReadonlySet<string>;
  stop(): Promise<void>;
}

/** Kinds that take setpoints, so the ones a release means something for. */
const RELEASABLE = new Set(['battery', 'pv']);
/** A shadow setpoint is recorded when it moves at least this much (the writer's deadband). */
const DEADBAND_KW = 0.01;

/**
 * Every cycle: freeze each site's state, run its controller, apply each asset's operating
 * mode (auto written, shadow recorded, manual guarded then written, off released once), record.
 * The controller that writes sees only the auto batteries: a battery in another mode is part
 * of the metered load, so the auto ones still keep the site's grid limit around it.
 */
/** A setpoint change at least this large waits for readings taken after it (see `settling`). */
const SIGNIFICANT_CHANGE_KW = 1;
/** ... but never longer than this. */
const SETTLE_MAX_MS = 3000;

export function startControlLoop(deps: ControlLoopDeps): ControlLoop {
  const { sites, latest, adapters, store, log, modes } = deps;
  const revertS = Object.assign({}, ...sites.map((s) => s.revertS)) as Record<string, number>;
  const rampKwPerS: Record<string, number> = {};
  for (const { site } of sites) for (const a of site.assets) if (a.kind === 'battery' && a.rampKwPerS !== undefined) rampKwPerS[a.id] = a.rampKwPerS;
  const metrics = deps.metrics;
  // The writer records each setpoint it writes (or that fails): counted there for /metrics.
  const recorded: Pick<TimeSeriesStore, 'writeSetpoints' | 'writeMetrics'> =
    metrics === undefined
      ? store
      : {
          writeMetrics: (points) => store.writeMetrics(points),
          writeSetpoints: (records) => {
            store.writeSetpoints(records);
            for (const r of records) metrics.setpointRecorded(r.siteId, r.reason, !r.reason.includes('[write failed'));
          },
        };
  const writer = new SetpointWriter(adapters, recorded, log, { deadbandKw: DEADBAND_KW, revertS, rampKwPerS });
  const controlledSites = new Set<string>();
  let lastCycleStartMs: number | null = null;
  const states = new Map<string, SiteControl>();
  const shadowStates = new Map<string, SiteControl>();
  const followers = new Map<string, Controller<PlanFollowingState>>();
  const pending = new Set<Promise<unknown>>();
  const lastNote = new Map<string, string>();
  const lastChangeAtMs = new Map<string, number>();
  const lastWrittenKw = new Map<string, number>();
  const lastMode = new Map<string, OperatingMode>();
  const lastSetting = new Map<string, string>();
  const toRelease = new Set<string>();
  const releasing = new Set<string>();
  const lastShadowKw = new Map<string, number>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const note = (siteId: string, notes: readonly string[]) => {
    const text = notes.join('; ');
    if (text === (lastNote.get(siteId) ?? '')) return;
    if (text !== '') log.info({ site: siteId, note: text }, 'controller note');
    lastNote.set(siteId, text);
  };

  /** Notices mode and setpoint changes: a fresh start for the writer, a release on entering off. */
  const transitions = (site: Site, effective: ReadonlyMap<string, EffectiveMode>) => {
    for (const a of site.assets) {
      const key = `${site.id}/${a.id}`;
      const e = effective.get(a.id) ?? { mode: 'auto', manualKw: null, source: 'site' };
      // A new operator setpoint counts too: its first setpoint is written and recorded at once.
      const setting = `${e.mode}:${String(e.manualKw)}:${e.source}`;
      const before = lastSetting.get(key);
      if (before === setting) continue;
      const wasOff = lastMode.get(key) === 'off';
      lastSetting.set(key, setting);
      lastMode.set(key, e.mode);
      log.info({ site: site.id, asset: a.id, from: before ?? null, to: setting }, 'operating mode applied');
      writer.forget(site.id, a.id);
      lastShadowKw.delete(key);
      if (e.mode !== 'off') toRelease.delete(key);
      else if (!wasOff && RELEASABLE.has(a.kind)) toRelease.add(key);
    }
  };

  const release = (siteId: string, assetId: string) => {
    const key = `${siteId}/${assetId}`;
    if (releasing.has(key)) return;
    releasing.add(key);
    const p = writer.release(siteId, assetId).then((result) => {
      releasing.delete(key);
      // Still off? (the mode may have changed while the release was in flight)
      if (lastMode.get(key) !== 'off') return;
      if (result === null) {
        toRelease.delete(key);
        log.info({ site: siteId, asset: assetId }, 'off: adapter has no release; nothing more is written, the device revert timer hands it back');
      } else if (result.ok) {
        toRelease.delete(key);
        log.info({ site: siteId, asset: assetId }, 'off: released to its own control');
      } else {
        // Kept in toRelease: retried next cycle.
        log.warn({ site: siteId, asset: assetId, detail: result.detail }, 'off: release failed; retrying');
      }
    });
    track(p);
  };

  const recordShadow = (setpoints: readonly Setpoint[]) => {
    const fresh = setpoints.filter((sp) => {
      const key = `${sp.siteId}/${sp.assetId}`;
      const last = lastShadowKw.get(key);
      if (last !== undefined && Math.abs(last - sp.powerKw) < DEADBAND_KW) return false;
      lastShadowKw.set(key, sp.powerKw);
      return true;
    });
    if (fresh.length > 0) store.writeSetpoints(fresh.map((sp) => ({ siteId: sp.siteId, assetId: sp.assetId, atMs: sp.atMs, powerKw: sp.powerKw, reason: sp.reason })));
  };

  const follower = (siteId: string): Controller<PlanFollowingState> => {
    let c = followers.get(siteId);
    if (c === undefined) followers.set(siteId, (c = createPlanFollowing(deps.planner?.followOptions(siteId) ?? {})));
    return c;
  };

  /**
   * One site's setpoints on one process image: following the site's fresh plan when it has one,
   * else peak shaving; the reason says which controller it was.
   */
  const control = (kept: Map<string, SiteControl>, site: Site, state: SiteState, nowMs: number, schedule: Plan | undefined, obligations: ControlObligations | undefined) => {
    const image = { ...processImage(site, state), ...(schedule !== undefined ? { plan: schedule } : {}), ...(obligations !== undefined ? { obligations } : {}) };
    const prev = kept.get(site.id);
    const by = (setpoints: readonly Setpoint[], name: string) => setpoints.map((sp) => ({ ...sp, reason: `${sp.reason}; by ${name}` }));
    if (schedule !== undefined) {
      const out = follower(site.id)(image, nowMs, prev?.kind === 'plan' ? prev.state : initialPlanFollowingState);
      kept.set(site.id, { kind: 'plan', state: out.state });
      return { setpoints: by(out.setpoints, 'plan-following'), notes: out.notes };
    }
    const out = peakShaving(image, nowMs, prev?.kind === 'peak' ? prev.state : initialPeakShavingState);
    kept.set(site.id, { kind: 'peak', state: out.state });
    return { setpoints: by(out.setpoints, 'peak-shaving'), notes: out.notes };
  };

  const runSite = (site: Site, state: SiteState, nowMs: number) => {
    const effective = new Map(site.assets.map((a) => [a.id, modes.effective(site.id, a.id)]));
    transitions(site, effective);
    for (const key of toRelease) {
      const [siteId, assetId] = key.split('/') as [string, string];
      if (siteId === site.id) release(siteId, assetId);
    }
    const isBattery = (id: string) => site.assets.some((a) => a.id === id && a.kind === 'battery');
    const modeOf = (id: string) => effective.get(id)?.mode;
    const autoSite: Site = { ...site, assets: site.assets.filter((a) => a.kind !== 'battery' || modeOf(a.id) === 'auto') };
    if (settling(site.id, autoSite, state, nowMs)) return;
    const signals = deps.signals?.(site.id, nowMs) ?? [];
    const dr = signals.length === 0 ? undefined : obligationsFrom(signals, site);
    // The plan is made for the batteries the writing controller sees (the auto ones).
    const schedule = deps.planner?.planFor(autoSite, state, nowMs);
    const decideOn = (s: Site, kept: Map<string, SiteControl>) => control(kept, s, state, nowMs, schedule, dr?.obligations);
    const live = decideOn(autoSite, states);
    let shadowSetpoints: Setpoint[] = [];
    if ([...effective].some(([id, m]) => m.mode === 'shadow' && isBattery(id))) {
      // What auto would do with every battery: the numbers a commissioning engineer compares.
      shadowSetpoints = decideOn(site, shadowStates).setpoints;
    }
    const plan = planModes({ site, state, nowMs, modes: effective, autoSetpoints: live.setpoints, shadowSetpoints });
    note(site.id, [...(dr?.notes ?? []), ...(live.notes ?? []), ...plan.notes]);
    track(writer.apply(plan.write, nowMs));
    noteChanges(site.id, plan.write, nowMs);
    recordShadow(plan.shadow);
  };

  /**
   * The grid meter and the batteries are polled apart: right after a setpoint change one may
   * show the change and the other not yet, and the import without batteries (grid − battery)
   * read from them is off by the change — the loop then swings back and forth for a few cycles.
   * So a site whose grid or auto-battery readings predate its last significant change holds its
   * setpoints (the writer keeps them alive) until fresh readings arrive, for SETTLE_MAX_MS at most:
   * a device that stops reporting must not freeze the loop (its readings go stale, then it is
   * dropped, and the site's hard limits rule again).
   */
  const settling = (siteId: string, autoSite: Site, state: SiteState, nowMs: number): boolean => {
    const changedAtMs = lastChangeAtMs.get(siteId);
    if (changedAtMs === undefined || nowMs - changedAtMs >= SETTLE_MAX_MS) return false;
    const times = [state.gridPowerKw, ...autoSite.assets.filter((a) => a.kind === 'battery').map((a) => state.assets[a.id]?.readings.powerKw)]
      .filter((r) => r !== undefined && r.quality === 'good')
      .map((r) => r?.atMs ?? 0);
    return times.some((t) => t < changedAtMs);
  };

  const noteChanges = (siteId: string, written: readonly Setpoint[], nowMs: number) => {
    for (const sp of written) {
      const key = `${siteId}/${sp.assetId}`;
      const before = lastWrittenKw.get(key);
      lastWrittenKw.set(key, sp.powerKw);
      if (before === undefined ? Math.abs(sp.powerKw) >= SIGNIFICANT_CHANGE_KW : Math.abs(sp.powerKw - before) >= SIGNIFICANT_CHANGE_KW) lastChangeAtMs.set(siteId, nowMs);
    }
  };

  const cycle = () => {
    const nowMs = Date.now();
    for (const { site } of sites) {
      const state = latest.get(site.id);
      if (state === undefined) continue;
      try {
        store.writeMetrics(sitePoints(state, nowMs));
      } catch (err) {
        // A full store queue or spool refuses the points (counted and logged by the store); control goes on.
        log.warn({ site: site.id, err: (err as Error).message }, 'site series not recorded');
      }
      try {
        runSite(deps.siteFor?.(site, nowMs) ?? site, state, nowMs);
        controlledSites.add(site.id);
      } catch (err) {
        // A controller that throws is marked failed for this cycle; other sites still run.
        log.error({ site: site.id, err }, 'controller failed');
      }
    }
  };
  const cycleMs = deps.cycleS * 1000;
  const timedCycle = () => {
    const startMs = performance.now();
    try {
      cycle();
    } finally {
      if (metrics !== undefined) {
        const tookMs = performance.now() - startMs;
        // Late: the timer fired over half a cycle after it should have (a busy event loop), or the cycle overran.
        const late = (lastCycleStartMs !== null && startMs - lastCycleStartMs > cycleMs * 1.5) || tookMs > cycleMs;
        metrics.cycle(tookMs / 1000, late);
      }
      lastCycleStartMs = startMs;
    }
  };
  const timer = setInterval(timedCycle, cycleMs);
  return {
    controlled: () => controlledSites,
    stop: async () => {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
    },
  };
}
