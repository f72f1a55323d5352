import { merge, Subject, type Subscription } from 'rxjs';
import { buildApp, problem, type AdapterStatus, type SiteView } from '../api/index.js';
import type { ClusterConfig, ConfiguredSite, VppConfig } from '../config/index.js';
import { siteState$ } from '../core/index.js';
import type { DeviceAdapter, SiteState } from '../domain/index.js';
import { eventStatus } from '../events/index.js';
import { openPgRegistry, openSiteOwnership, openStore, seedVens, type TimeSeriesStore } from '../store/index.js';
import { startCluster, type RunningCluster, type SiteUnit } from './cluster.js';
import { startControlLoop, type ControlLoop } from './control-loop.js';
import type { RunningController, StartOptions } from './controller.js';
import { startDrEvents } from './dr-events.js';
import { startFleetBus, type FleetBus } from './fleet-bus.js';
import { componentLogger, type Logger } from './logger.js';
import { createRuntimeMetrics, type RuntimeMetrics } from './metrics.js';
import { readinessReport } from './readiness.js';
import { createModeTable, type ModeTable } from './modes.js';
import { recordTelemetry } from './recorder.js';
import { siteAdapters } from './site-adapters.js';
import { startNotifier } from './notifier.js';
import { createLivePlanner, type LivePlanner } from './live-planner.js';

/** How often a controller re-reads the shared mode log for changes made through another, ms. */
const MODE_REFRESH_MS = 1000;

interface UnitDeps {
  readonly store: TimeSeriesStore;
  readonly log: Logger;
  readonly modes: ModeTable;
  readonly cycleS: number;
  readonly latest: Map<string, SiteState>;
  readonly siteStates: Subject<SiteState>;
  readonly adapters: Map<string, DeviceAdapter>;
  readonly signals: ReturnType<typeof startDrEvents>['signals'];
  readonly siteFor: ReturnType<typeof startDrEvents>['siteFor'];
  readonly fleetBus: FleetBus | null;
  readonly metrics: RuntimeMetrics;
  /** Each owned site's loop, for readiness (a site counts once its loop has run a cycle). */
  readonly loops: Map<string, ControlLoop>;
  /** Plans the sites with a tariff or a forecast; asked only for the sites this process owns. */
  readonly planner: LivePlanner;
}

/**
 * One owned site running in this process: its adapters (so its devices' topics and registers
 * are reached only by its owner), its state stream and its own control loop. Stopping it
 * writes nothing: the devices hold their last setpoints until their revert timers run out,
 * longer than a takeover takes.
 */
async function startSiteUnit(cs: ConfiguredSite, d: UnitDeps): Promise<SiteUnit> {
  const adapters = siteAdapters(cs);
  for (const [key, a] of adapters) d.adapters.set(key, a);
  const telemetry$ = merge(...[...adapters.values()].map((a) => a.telemetry$));
  const subs: Subscription[] = [
    telemetry$.subscribe(recordTelemetry(d.store)),
    siteState$(cs.site, telemetry$, { coalesce: true }).subscribe((s) => {
      d.latest.set(s.siteId, s);
      d.siteStates.next(s);
      d.fleetBus?.publish(cs.site, s);
    }),
  ];
  // Not awaited: a takeover starts many sites at once, and the loop acts as soon as readings
  // arrive (a device down now is retried by its adapter).
  for (const a of adapters.values()) {
    a.connect().catch((err: unknown) => d.log.warn({ binding: a.target.binding, err: (err as Error).message }, 'device not reachable yet; retrying'));
  }
  const loop = startControlLoop({ sites: [cs], latest: d.latest, adapters, store: d.store, log: d.log, modes: d.modes, cycleS: d.cycleS, signals: d.signals, siteFor: d.siteFor, planner: d.planner, metrics: d.metrics.loop });
  d.loops.set(cs.site.id, loop);
  return {
    stop: async () => {
      d.loops.delete(cs.site.id);
      await loop.stop();
      subs.forEach((s) => s.unsubscribe());
      d.latest.delete(cs.site.id);
      for (const key of adapters.keys()) d.adapters.delete(key);
      await Promise.allSettled([...adapters.values()].map((a) => a.close()));
    },
  };
}

/**
 * A controller that shares the fleet with others (config `cluster:`): it controls only the
 * sites it owns through PostgreSQL (src/runtime/cluster.ts), takes over a dead controller's
 * sites within a claim round or two, and serves the API for what it owns plus
 * `GET /api/v1/cluster` (who owns what, as this process sees it).
 *
 * The registry (API clients, OpenADR objects, enrolments, modes) is one for the cluster, in
 * PostgreSQL: an operator may talk to any controller. Sites with a tariff or a forecast are
 * planned by their owner, as in one process.
 */
export async function startClusterController(cfg: VppConfig, cluster: ClusterConfig, { log, version, modeLog }: StartOptions): Promise<RunningController> {
  const store = await openStore(cfg.store);
  const metrics = createRuntimeMetrics();
  const cleanup: Array<() => Promise<void>> = [() => store.close(), async () => metrics.close()];
  let shuttingDown = false;
  const undo = async () => {
    for (const fn of cleanup.reverse()) await fn().catch((err: unknown) => log.error({ err }, 'cleanup failed'));
  };
  try {
    // One registry for the whole cluster, in the PostgreSQL that holds ownership.
    const registry = await openPgRegistry({ url: cluster.postgresUrl });
    cleanup.push(() => registry.close());
    const sitesCfg = cfg.sites;
    const modes = await createModeTable(sitesCfg.map((cs) => cs.site), modeLog ?? registry.modes, log);
    await seedVens(registry, sitesCfg.map((cs) => cs.site));
    // Webhooks for the changes made through this controller (each controller notifies its own writes, once).
    const notifier = startNotifier({ registry, log: componentLogger(log, 'webhooks') });
    cleanup.push(() => notifier.stop());
    const latest = new Map<string, SiteState>();
    // Enrolment limits and GROUP allocation as in one process; a site's live state is known only where it is owned.
    const drEvents = startDrEvents({ events: registry.events, log, dispatch: { registry, sites: sitesCfg.map((cs) => cs.site), latest, store } });
    cleanup.push(async () => drEvents.stop());
    // Another controller's writes: its events are re-read here at once (this one may own their
    // sites), its mode changes (a kill switch) every second.
    const remote = registry.changes$.subscribe((c) => {
      if (c.remote === true && (c.objectType === 'EVENT' || c.objectType === 'PROGRAM' || c.objectType === 'VEN')) drEvents.markChanged();
    });
    const modeRefresh = setInterval(() => {
      modes.refresh(50).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'mode log not re-read; retrying'));
    }, MODE_REFRESH_MS);
    modeRefresh.unref();
    cleanup.push(async () => {
      remote.unsubscribe();
      clearInterval(modeRefresh);
    });

    const siteStates = new Subject<SiteState>();
    const adapters = new Map<string, DeviceAdapter>();
    const byId = new Map(sitesCfg.map((cs) => [cs.site.id, cs]));
    const fleetBus = cluster.fleetMqttUrl === undefined ? null : await startFleetBus({ brokerUrl: cluster.fleetMqttUrl, controllerId: cluster.controllerId, log });
    if (fleetBus !== null) cleanup.push(() => fleetBus.close());
    // One planner (and solver thread) for the process; a site taken over is planned from its
    // first cycle here, and peak-shaved until that plan is ready.
    const planner = createLivePlanner({ sites: sitesCfg, store, log: componentLogger(log, 'planner'), signals: drEvents.signals });
    if (planner.siteIds.size > 0) log.info({ sites: planner.siteIds.size }, 'planning sites with a tariff or a forecast, where owned');
    cleanup.push(() => planner.close());
    const unitDeps: UnitDeps = { store, log, modes, cycleS: cfg.control.cycleS, latest, siteStates, adapters, signals: drEvents.signals, siteFor: drEvents.siteFor, fleetBus, metrics, loops: new Map(), planner };
    const running: RunningCluster = startCluster({
      open: () => openSiteOwnership({ connectionString: cluster.postgresUrl, controllerId: cluster.controllerId }),
      siteIds: sitesCfg.map((cs) => cs.site.id),
      startSite: (siteId) => {
        const cs = byId.get(siteId);
        if (cs === undefined) throw new Error(`no site ${siteId} in the config`);
        return startSiteUnit(cs, unitDeps);
      },
      log,
      claimIntervalMs: cluster.claimIntervalS * 1000,
    });
    cleanup.push(() => running.stop());

    const sites = (): SiteView[] => running.owned().flatMap((id) => {
      const cs = byId.get(id);
      return cs === undefined ? [] : [{ site: cs.site, state: latest.get(id) ?? null }];
    });
    const adapterStatus = (): AdapterStatus[] =>
      [...adapters.values()].map((a) => ({ ...a.health(), siteId: a.target.siteId, assetId: a.target.assetId, binding: a.target.binding }));
    metrics.bind({
      adapters: () => [...adapters.values()],
      store,
      activeEvents: () => drEvents.events().filter((ev) => eventStatus(ev, Date.now()) === 'active').length,
      webhookDeliveries: () => notifier.stats(),
    });
    // Ready once every site this process owns has had a control cycle (none owned yet: ready, nothing to wait for).
    const readiness = () => {
      const controlled = new Set([...unitDeps.loops.values()].flatMap((l) => [...l.controlled()]));
      return readinessReport({ shuttingDown, registryOpen: true, storeKind: store.kind, storeStats: store.stats(), siteIds: running.owned(), controlled });
    };
    const app = await buildApp({
      version,
      sites,
      store,
      adapters: adapterStatus,
      nowMs: Date.now,
      registry,
      modes,
      siteStates$: siteStates.asObservable(),
      events$: drEvents.changes$,
      onEventsChange: drEvents.markChanged,
      metrics,
      readiness,
    }, { loggerInstance: componentLogger(log, 'http') });
    app.get('/api/v1/cluster', async () => ({
      controllerId: cluster.controllerId,
      sites: sitesCfg.length,
      owned: running.owned().sort(),
      changes: running.history().slice(-200).map((c) => ({ ...c, at: new Date(c.atMs).toISOString() })),
    }));
    // The whole fleet as the controllers' summaries tell it (404 without a fleet bus).
    app.get('/api/v1/fleet', async (_req, reply) => {
      const fleet = fleetBus?.fleet() ?? null;
      if (fleet === null) {
        const p = problem(404, 'no fleet bus (cluster.fleetMqttUrl) or no site summary heard yet');
        return reply.code(404).type('application/problem+json').send({ ...p, instance: reply.request.url });
      }
      return fleet;
    });
    cleanup.push(() => app.close());
    const url = await app.listen({ host: cfg.http.host, port: cfg.http.port });
    log.info({ controller: cluster.controllerId, sites: sitesCfg.length }, 'cluster controller running');
    let stopping: Promise<void> | null = null;
    const stop = () => {
      shuttingDown = true;
      return (stopping ??= undo());
    };
    return { url, sites, store, modes, metrics, readiness, stop };
  } catch (err) {
    await undo();
    throw err;
  }
}
