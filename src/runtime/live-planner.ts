import type { ConfiguredSite, SitePlanning } from '../config/index.js';
import { obligationsFrom, type PlanFollowingOptions } from '../control/index.js';
import { usable, type BatteryAsset, type DrSignal, type Site, type SiteState } from '../domain/index.js';
import { carbonPerSlot, localMinuteOfDay, touPricePerSlot, type Plan, type PlanBattery, type SeriesPoint } from '../schedule/index.js';
import type { TimeSeriesStore } from '../store/index.js';
import { baseForecast } from './live-forecast.js';
import type { Logger } from './logger.js';
import { MonthPeak } from './month-peak.js';
import { demandChargeFor, minOrNull, planBattery } from './plan-terms.js';
import { createWorkerSolver, type PlanSolver } from './planner-worker-client.js';
import { WALL_CLOCK, type SiteClock } from './site-clock.js';

const SLOT_MS = 900_000;
const DAY_MS = 86_400_000;
const HORIZON_SLOTS = 96;

export interface LivePlannerOptions {
  readonly sites: readonly ConfiguredSite[];
  readonly store: Pick<TimeSeriesStore, 'queryMetric'>;
  readonly log: Logger;
  /** The sites' calendar (tariff periods, profiles, the sun); default the wall clock. */
  readonly clock?: SiteClock;
  /** The DR signals active at a site now (OpenADR); default none. */
  readonly signals?: (siteId: string, nowMs: number) => readonly DrSignal[];
  /** Store history before this wall time is not this site's (a simulation's earlier runs). */
  readonly historyFromMs?: number;
  /** A plan older than this (site time) is dropped: peak shaving runs. Default 1800. */
  readonly maxPlanAgeS?: number;
  /** After a failed plan with nothing changed, try again after this long (wall time). Default 60. */
  readonly retryAfterS?: number;
  /**
   * Where the LPs are solved; default a worker thread of the planner's own (closed by close()),
   * so that a solve never stalls the control loop's tick on the main thread.
   */
  readonly solver?: PlanSolver;
}

export interface LivePlanner {
  /** The sites that are planned: with a tariff, a carbon price, or a peak target and a forecast. */
  readonly siteIds: ReadonlySet<string>;
  /**
   * Called each cycle with the image the controller sees (its batteries are the ones planned):
   * the site's fresh plan in wall time, or undefined (no plan yet, or one older than
   * maxPlanAgeS). Starts a re-plan in the background when one is due; never waits for it.
   */
  planFor(site: Site, state: SiteState, nowMs: number): Plan | undefined;
  /**
   * How the site's plan is followed: under its tariff's demand window. With a clock faster than
   * the wall (an accelerated demo) the meter's energy register runs ahead of the wall-clock
   * windows the follower would count it in, so the peak is then held as an instant limit.
   */
  followOptions(siteId: string): PlanFollowingOptions;
  /** Resolves once no plan is being made (tests; stop). */
  settled(): Promise<void>;
  /** Lets a plan in flight finish, then ends the planner's own solver (a given one stays open). */
  close(): Promise<void>;
}

interface Made {
  readonly plan: Plan;
  readonly wall: Plan;
  readonly madeSiteMs: number;
  readonly quarterSiteMs: number;
  readonly key: string;
  readonly source: string;
}

interface Entry {
  readonly cs: ConfiguredSite;
  readonly planning: SitePlanning;
  readonly monthPeak: MonthPeak;
  queriedToMs: number;
  monthStartWallMs?: number;
  made?: Made;
  inFlight?: Promise<void>;
  failed?: { readonly key: string; readonly atMs: number; readonly message: string };
  droppedLogged: boolean;
  /** The carbon series did not cover a plan's start (said once, until it does again). */
  carbonGapLogged?: boolean;
}

/** Start of the local clock's quarter hour holding siteMs (zones are whole minutes off UTC). */
export function quarterStartSiteMs(siteMs: number, timezone: string): number {
  return siteMs - ((localMinuteOfDay(siteMs, timezone) % 15) * 60_000 + (((siteMs % 60_000) + 60_000) % 60_000));
}

/**
 * The planner of the live runtime (issue 6): per planned site, an LP plan (HiGHS) for the next
 * 24 h in quarter hours from the measured SoC, re-made every quarter hour and when the DR signals,
 * the controlled batteries or the forecast source change. Plans are made off the control cycle:
 * the inputs on the main thread (store reads), the LP in the solver's worker thread.
 */
export function createLivePlanner(o: LivePlannerOptions): LivePlanner {
  const clock = o.clock ?? WALL_CLOCK;
  const maxAgeMs = (o.maxPlanAgeS ?? 1800) * 1000;
  const retryMs = (o.retryAfterS ?? 60) * 1000;
  const historyFromMs = o.historyFromMs ?? 0;
  const solver = o.solver ?? createWorkerSolver({ log: o.log });
  const entries = new Map<string, Entry>();
  for (const cs of o.sites) {
    const p = cs.planning;
    if (p === undefined || (p.tariff === undefined && p.carbonPricePerKg === undefined && (cs.site.peakTargetKw === undefined || p.forecast === undefined))) continue;
    entries.set(cs.site.id, { cs, planning: p, monthPeak: new MonthPeak(cs.site.timezone, p.tariff?.demandWindow ?? 'block'), queriedToMs: historyFromMs, droppedLogged: false });
  }

  const query = async (siteId: string, metric: string, fromMs: number, toMs: number) =>
    (await o.store.queryMetric({ siteId, metric, fromMs, toMs })).filter((p) => Number.isFinite(p.value));

  /** The metered base (grid − batteries) on the site's clock, ascending, one point per time. */
  const baseHistory = async (site: Site, fromMs: number, toMs: number): Promise<SeriesPoint[]> => {
    const grid = await query(site.id, 'gridPowerKw', fromMs, toMs);
    const hasBattery = site.assets.some((a) => a.kind === 'battery');
    const battery = new Map(hasBattery ? (await query(site.id, 'batteryPowerKw', fromMs, toMs)).map((p) => [p.atMs, p.value]) : []);
    const out: SeriesPoint[] = [];
    for (const g of grid) {
      const b = hasBattery ? battery.get(g.atMs) : 0;
      const atMs = clock.toSiteMs(g.atMs);
      if (b === undefined || (out.length > 0 && atMs <= (out[out.length - 1]?.atMs ?? -Infinity))) continue;
      out.push({ atMs, kw: g.value - b });
    }
    return out;
  };

  const peakFloorKw = async (e: Entry, nowMs: number): Promise<number> => {
    const siteNow = clock.toSiteMs(nowMs);
    const monthStartWall = clock.toWallMs(e.monthPeak.monthStartSiteMs(siteNow));
    // A new month is read from its start, even where the last read of the old one reached into it.
    if (monthStartWall !== e.monthStartWallMs) e.queriedToMs = historyFromMs;
    e.monthStartWallMs = monthStartWall;
    const fromMs = Math.max(e.queriedToMs, historyFromMs, monthStartWall);
    const points = await query(e.cs.site.id, 'gridPowerKw', fromMs, nowMs + 1);
    e.monthPeak.add(points.map((p) => ({ siteMs: clock.toSiteMs(p.atMs), kw: p.value })));
    e.queriedToMs = Math.max(fromMs, ...points.map((p) => p.atMs + 1));
    return e.monthPeak.peakKw(siteNow);
  };

  /** The grid factor per slot from the site's constant or series (site time, as the tariff); none where a series has no value yet. */
  const carbonFactors = (e: Entry, start: number, n: number): number[] | undefined => {
    const p = e.planning;
    if (p.carbon !== undefined) return carbonPerSlot(p.carbon.gridKgPerKwh, start, 900, n);
    const points = p.carbonSeries?.points;
    if (points === undefined || points.length === 0) return undefined;
    if ((points[0]?.atMs ?? Infinity) > start) {
      if (e.carbonGapLogged !== true) o.log.warn({ site: e.cs.site.id, csv: p.carbonSeries?.csv, firstRow: new Date(points[0]?.atMs ?? NaN).toISOString(), planStart: new Date(start).toISOString() }, 'carbon series starts after the plan: planned without carbon');
      e.carbonGapLogged = true;
      return undefined;
    }
    e.carbonGapLogged = false;
    return carbonPerSlot(points, start, 900, n);
  };

  const make = async (e: Entry, site: Site, batteries: PlanBattery[], nowMs: number, key: string): Promise<Made> => {
    const siteNow = clock.toSiteMs(nowMs);
    const start = quarterStartSiteMs(siteNow, site.timezone);
    const persistence = (e.planning.forecast?.kind ?? 'persistence') === 'persistence';
    const history = persistence ? await baseHistory(site, Math.max(historyFromMs, clock.toWallMs(start - DAY_MS - SLOT_MS)), nowMs + 1) : undefined;
    const base = baseForecast({ site, planning: e.planning, startSiteMs: start, nowSiteMs: siteNow, slots: HORIZON_SLOTS, ...(history !== undefined ? { history } : {}) });
    if (typeof base === 'string') throw new Error(`no load forecast: ${base}`);
    const floorKw = await peakFloorKw(e, nowMs);
    const signals = o.signals?.(site.id, nowMs) ?? [];
    // Active signals say nothing of their end: they bound the current slot, and a change re-plans.
    const dr = obligationsFrom(signals, site, base.kw[0]);
    const n = base.kw.length;
    const first = <T>(now: T | undefined, rest: T[]): T[] => (now === undefined ? rest : [now, ...rest.slice(1)]);
    const t = e.planning.tariff;
    const prices = t === undefined ? undefined : first(dr.tariffOverride?.pricePerKwh, touPricePerSlot(t.import, start, 900, n, site.timezone));
    const factors = carbonFactors(e, start, n);
    const carbon = factors === undefined ? undefined : first(dr.carbonOverride === undefined ? undefined : dr.carbonOverride.gPerKwh / 1000, factors);
    const charge = t === undefined ? undefined : demandChargeFor(t.demandChargePerKw, site.peakTargetKw);
    const plan = await solver.solve({
      startMs: start,
      slotS: 900,
      baseKw: base.kw,
      batteries,
      gridImportLimitKw: site.gridImportLimitKw,
      ...(site.gridExportLimitKw !== undefined ? { gridExportLimitKw: site.gridExportLimitKw } : {}),
      importCapKw: base.kw.map((_, k) => minOrNull(k === 0 ? dr.obligations.importCapKw ?? null : null, site.peakTargetKw)),
      exportCapKw: base.kw.map((_, k) => (k === 0 ? dr.obligations.exportCapKw ?? null : null)),
      ...(prices !== undefined ? { importPricePerKwh: prices } : {}),
      ...(t?.exportPricePerKwh !== undefined ? { exportPricePerKwh: t.exportPricePerKwh } : {}),
      ...(charge !== undefined ? { demandChargePerKw: charge } : {}),
      ...(carbon !== undefined ? { carbonKgPerKwh: carbon } : {}),
      ...(carbon !== undefined && e.planning.carbonPricePerKg !== undefined ? { carbonPricePerKg: e.planning.carbonPricePerKg } : {}),
      peakFloorKw: floorKw,
    });
    const wall: Plan = { ...plan, startMs: clock.toWallMs(plan.startMs), slotS: plan.slotS / clock.speed };
    o.log.info({ site: site.id, peakKw: round(plan.peakKw), peakFloorKw: round(floorKw), status: plan.status, forecast: base.source, batteries: batteries.map((b) => b.id), solveMs: round(plan.solveMs) }, 'site re-planned');
    return { plan, wall, madeSiteMs: siteNow, quarterSiteMs: start, key, source: base.source };
  };

  const due = (e: Entry, key: string, nowMs: number, siteNow: number): boolean => {
    if (e.inFlight !== undefined) return false;
    if (e.failed !== undefined && e.failed.key === key && nowMs - e.failed.atMs < retryMs) return false;
    const m = e.made;
    if (m === undefined || m.key !== key) return true;
    if (quarterStartSiteMs(siteNow, e.cs.site.timezone) !== m.quarterSiteMs) return true;
    // Persistence that had to lean on a fallback: re-plan once a whole day of history exists.
    return m.source !== 'persistence' && e.planning.forecast?.kind !== 'profile' && siteNow - clock.toSiteMs(historyFromMs) >= DAY_MS + SLOT_MS && m.madeSiteMs - clock.toSiteMs(historyFromMs) < DAY_MS + SLOT_MS;
  };

  const settled = async (): Promise<void> => {
    while ([...entries.values()].some((e) => e.inFlight !== undefined)) await Promise.allSettled([...entries.values()].map((e) => e.inFlight));
  };

  return {
    siteIds: new Set(entries.keys()),
    followOptions: (siteId) => ({ demandWindow: clock.speed === 1 ? entries.get(siteId)?.planning.tariff?.demandWindow ?? 'block' : 'sliding' }),
    planFor(site, state, nowMs) {
      const e = entries.get(site.id);
      if (e === undefined) return undefined;
      const siteNow = clock.toSiteMs(nowMs);
      const batteries = site.assets
        .filter((a): a is BatteryAsset => a.kind === 'battery')
        .flatMap((a) => {
          const soc = usable(state.assets[a.id]?.readings.socPct);
          return soc === undefined ? [] : [planBattery(a, soc)];
        });
      const key = JSON.stringify({ batteries: batteries.map((b) => b.id), signals: o.signals?.(site.id, nowMs) ?? [] });
      if (batteries.length > 0 && due(e, key, nowMs, siteNow)) {
        e.inFlight = make(e, site, batteries, nowMs, key)
          .then((m) => {
            e.made = m;
            e.failed = undefined;
            e.droppedLogged = false;
          })
          .catch((err: unknown) => {
            const message = (err as Error).message;
            // Logged once per distinct failure: a planner failing every minute would flood the log.
            if (e.failed?.message !== message) o.log.warn({ site: site.id, err: message, keeping: e.made === undefined ? 'no plan: peak shaving' : 'the last plan' }, 'planning failed');
            e.failed = { key, atMs: nowMs, message };
          })
          .finally(() => {
            e.inFlight = undefined;
          });
      }
      const m = e.made;
      if (m === undefined) return undefined;
      if (siteNow - m.madeSiteMs > maxAgeMs) {
        if (!e.droppedLogged) o.log.warn({ site: site.id, madeAt: new Date(m.madeSiteMs).toISOString() }, 'plan older than its maximum age dropped: peak shaving');
        e.droppedLogged = true;
        return undefined;
      }
      return m.wall;
    },
    settled,
    close: async () => {
      await settled();
      if (o.solver === undefined) await solver.close();
    },
  };
}

const round = (x: number): number => Math.round(x * 10) / 10;
