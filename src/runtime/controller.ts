import { merge, Subject, type Subscription } from 'rxjs';
import type { FastifyInstance } from 'fastify';
import { buildApp, gridCarbonOf, measuredAs, type AdapterStatus, type ReadinessReport, type SiteView } from '../api/index.js';
import type { VppConfig } from '../config/index.js';
import { siteState$ } from '../core/index.js';
import { eventStatus } from '../events/index.js';
import type { DeviceAdapter, ModeLog, SiteState } from '../domain/index.js';
import { DEFAULT_DATA_DIR, openRegistry, openStore, seedVens, type TimeSeriesStore } from '../store/index.js';
import { startControlLoop } from './control-loop.js';
import { startDrEvents } from './dr-events.js';
import { createLivePlanner } from './live-planner.js';
import { componentLogger, type Logger } from './logger.js';
import { createRuntimeMetrics, type RuntimeMetrics } from './metrics.js';
import { readinessReport } from './readiness.js';
import { createModeTable, type ModeTable } from './modes.js';
import { startNotifier } from './notifier.js';
import { startVenClient } from './northbound/index.js';
import { recordEventPerformance, recordTelemetry, storeOptions } from './recorder.js';
import { reportCompletedEvents } from './site-reports.js';
import { sitePerformance } from '../mv/index.js';
import { simulatedClock } from './site-clock.js';
import { siteAdapters } from './site-adapters.js';
import { startSimulation, type RunningSimulation } from './simulation.js';

export interface RunningController {
  /** Where the API listens, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly sites: () => readonly SiteView[];
  readonly store: TimeSeriesStore;
  /** Operating modes per site and asset (issue 6): what the mode routes read and change. */
  readonly modes: ModeTable;
  /** Prometheus metrics of this controller (GET /metrics). */
  readonly metrics?: RuntimeMetrics;
  /** GET /api/v1/health/ready's answer. */
  readonly readiness?: () => ReadinessReport;
  /**
   * Readiness turns 503 at once; then the API stops taking requests, the loop stops (devices
   * keep their last setpoints until their revert timers hand them back), the store is flushed,
   * adapters and the registry close.
   */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly log: Logger;
  readonly version: string;
  /** Where mode changes persist; default the registry in the data dir, so a kill switch survives a restart. */
  readonly modeLog?: ModeLog;
}

/**
 * Builds a running controller from config: store, (demo) simulators, one adapter per asset,
 * site state per site, the control cycle, the setpoint writer, and the API. The only place
 * that knows every part.
 */
export async function startController(cfg: VppConfig, { log, version, modeLog }: StartOptions): Promise<RunningController> {
  const store = await openStore(storeOptions(cfg, log));
  const metrics = createRuntimeMetrics();
  let shuttingDown = false;
  let registryOpen = false;
  const cleanup: Array<() => Promise<void>> = [() => store.close(), async () => metrics.close()];
  const undo = async () => {
    for (const fn of cleanup.reverse()) await fn().catch((err: unknown) => log.error({ err }, 'cleanup failed'));
  };
  try {
    // The registry (API clients, ...) lives in the data dir next to the embedded store, where
    // `vpp clients add` writes; with InfluxDB for series it still sits in $VPP_DATA_DIR.
    const registry = openRegistry({ dataDir: cfg.store.kind === 'sqlite' ? cfg.store.dataDir : process.env.VPP_DATA_DIR || DEFAULT_DATA_DIR });
    registryOpen = true;
    cleanup.push(async () => {
      registryOpen = false;
      await registry.close();
    });
    // The simulated clock starts inside startSimulation; read just before, it is off by the set-up time only.
    const simWallStartMs = Date.now();
    const sim: RunningSimulation = await startSimulation(cfg);
    cleanup.push(() => sim.close());
    if (cfg.simulation !== null) log.info({ start: cfg.simulation.startAt, speed: cfg.simulation.speed, sites: sim.sites.length }, 'simulated devices listening');

    const bySite = sim.sites.map((cs) => ({ cs, adapters: siteAdapters(cs) }));
    const adapters = new Map<string, DeviceAdapter>(bySite.flatMap((u) => [...u.adapters]));
    cleanup.push(async () => void (await Promise.allSettled([...adapters.values()].map((a) => a.close()))));

    const telemetry$ = merge(...[...adapters.values()].map((a) => a.telemetry$));
    const latest = new Map<string, SiteState>();
    const subs: Subscription[] = [telemetry$.subscribe(recordTelemetry(store))];
    // Every new state also goes to the API's live stream (GET /api/v1/stream).
    const siteStates = new Subject<SiteState>();
    for (const { cs, adapters: own } of bySite) {
      // Each site hears its own devices only: the merge of every device, filtered per site, cost
      // O(sites) per reading (80 % of a core at 300 sites).
      const siteTelemetry$ = merge(...[...own.values()].map((a) => a.telemetry$));
      subs.push(
        siteState$(cs.site, siteTelemetry$, { coalesce: true }).subscribe((s) => {
          latest.set(s.siteId, s);
          siteStates.next(s);
        }),
      );
    }
    cleanup.push(async () => subs.forEach((s) => s.unsubscribe()));

    // Devices that are down at start are retried by their adapters; start-up does not wait on them.
    await Promise.all(
      [...adapters.values()].map((a) =>
        a.connect().catch((err: unknown) => log.warn({ binding: a.target.binding, err: (err as Error).message }, 'device not reachable yet; retrying')),
      ),
    );

    const modes = await createModeTable(sim.sites.map((cs) => cs.site), modeLog ?? registry.modes, componentLogger(log, 'modes'));
    await seedVens(registry, sim.sites.map((cs) => cs.site)); // configured sites appear as OpenADR vens (venName = site id)
    // Registry changes -> subscriptions' webhooks (issue 7); resumes the outbox of the last run.
    const notifier = startNotifier({ registry, log: componentLogger(log, 'webhooks') });
    cleanup.push(() => notifier.stop());
    // DR events from the registry (issue 7) drive the loop and the planner; their status feeds the stream.
    // With enrolments (limits, opt-outs), GROUP membership (vens' targets) and allocation of group sheds over the sites' live state.
    const drEvents = startDrEvents({ events: registry.events, log: componentLogger(log, 'dr-events'), dispatch: { registry, sites: sim.sites.map((cs) => cs.site), latest, store } });
    cleanup.push(async () => drEvents.stop());
    // Each site's performance in an event goes to the store when the event completes (README: Records).
    const eventRecords = recordEventPerformance({
      store, changes$: drEvents.changes$, siteIds: sim.sites.map((cs) => cs.site.id), log,
      performance: async (siteId, eventId) => {
        const site = sim.sites.find((cs) => cs.site.id === siteId)?.site;
        const ev = drEvents.events().find((e) => e.id === eventId);
        return site === undefined || ev === undefined ? null : sitePerformance(store, site, ev, drEvents.events(), Date.now(), undefined);
      },
    });
    cleanup.push(async () => eventRecords.unsubscribe());
    // ... and each site's USAGE/DEMAND/BASELINE/DELTA_USAGE report is written under its VEN's name (webhooks carry it).
    const siteReports = reportCompletedEvents({
      changes$: drEvents.changes$, registry, siteIds: sim.sites.map((cs) => cs.site.id), log: componentLogger(log, 'reports'),
      performance: async (siteId, eventId) => {
        await store.flush().catch(() => undefined);
        const site = sim.sites.find((cs) => cs.site.id === siteId)?.site;
        const ev = drEvents.events().find((e) => e.id === eventId);
        if (site === undefined || ev === undefined) return null;
        // Only sites the event reached: by name, or through a group with a share of its shed.
        const as = await measuredAs(registry, ev, siteId);
        return as.measured ? sitePerformance(store, site, ev, drEvents.events(), Date.now(), undefined, as.groupShareKw) : null;
      },
    });
    cleanup.push(async () => siteReports.unsubscribe());
    // North-bound (issue 7): a utility VTN's programs and events mirrored into the registry, where
    // drEvents picks them up; completed events are reported back under our VEN's name.
    if (cfg.northbound !== undefined) {
      const ven = startVenClient({ config: cfg.northbound, registry, store, sites: () => sim.sites.map((cs) => cs.site), log: componentLogger(log, 'northbound'), onChange: drEvents.markChanged });
      cleanup.push(() => ven.stop());
    }
    // Sites with a tariff are planned (issue 6); the demo's calendar is its simulated clock, and
    // the store's history from before this run is another run's simulated world.
    const planner = createLivePlanner({
      sites: sim.sites,
      store,
      log: componentLogger(log, 'planner'),
      signals: drEvents.signals,
      ...(cfg.simulation !== null ? { clock: simulatedClock(cfg.simulation.startMs, simWallStartMs, cfg.simulation.speed), historyFromMs: simWallStartMs } : {}),
    });
    if (planner.siteIds.size > 0) log.info({ sites: [...planner.siteIds] }, 'planning sites with a tariff or a forecast');
    // Undone in reverse: the loop stops first, then a plan in flight is let finish (and the
    // planner's solver thread ends), then the store closes.
    cleanup.push(() => planner.close());
    const loop = startControlLoop({ sites: sim.sites, latest, adapters, store, log: componentLogger(log, 'control-loop'), modes, cycleS: cfg.control.cycleS, planner, signals: drEvents.signals, siteFor: drEvents.siteFor, metrics: metrics.loop });
    cleanup.push(() => loop.stop());

    const sites = (): SiteView[] => sim.sites.map((cs) => ({ site: cs.site, state: latest.get(cs.site.id) ?? null }));
    const adapterStatus = (): AdapterStatus[] =>
      [...adapters.values()].map((a) => ({ ...a.health(), siteId: a.target.siteId, assetId: a.target.assetId, binding: a.target.binding }));
    metrics.bind({
      adapters: () => [...adapters.values()],
      store,
      activeEvents: () => {
        const nowMs = Date.now();
        return drEvents.events().filter((ev) => eventStatus(ev, nowMs) === 'active').length;
      },
      webhookDeliveries: () => notifier.stats(),
    });
    const siteIds = sim.sites.map((cs) => cs.site.id);
    const readiness = () =>
      readinessReport({ shuttingDown, registryOpen, storeKind: store.kind, storeStats: store.stats(), siteIds, controlled: loop.controlled() });
    const app: FastifyInstance = await buildApp({ version, sites, store, adapters: adapterStatus, nowMs: Date.now, registry, modes, siteStates$: siteStates.asObservable(),
      events$: drEvents.changes$, onEventsChange: drEvents.markChanged, metrics, readiness,
      siteCarbon: (id) => gridCarbonOf(sim.sites.find((cs) => cs.site.id === id)?.planning) }, { loggerInstance: componentLogger(log, 'http') });
    cleanup.push(() => app.close());
    const url = await app.listen({ host: cfg.http.host, port: cfg.http.port });

    let stopping: Promise<void> | null = null;
    const stop = () => {
      shuttingDown = true; // readiness answers 503 from now on, before anything closes
      return (stopping ??= undo());
    };
    return { url, sites, store, modes, metrics, readiness, stop };
  } catch (err) {
    await undo();
    throw err;
  }
}
