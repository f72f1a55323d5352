import { merge, Subject, type Subscription } from 'rxjs';
import type { FastifyInstance } from 'fastify';
import { createAdapter } from '../../adapters/index.js';
import { buildApp, type AdapterStatus, type SiteView } from '../api/index.js';
import type { VppConfig } from '../config/index.js';
import { siteState$ } from '../core/index.js';
import type { DeviceAdapter, ModeLog, SiteState } from '../domain/index.js';
import { DEFAULT_DATA_DIR, openRegistry, openStore, seedVens, type TimeSeriesStore } from '../store/index.js';
import { startControlLoop } from './control-loop.js';
import { startDrEvents } from './dr-events.js';
import { createLivePlanner } from './live-planner.js';
import type { Logger } from './logger.js';
import { createModeTable, type ModeTable } from './modes.js';
import { recordTelemetry } from './recorder.js';
import { simulatedClock } from './site-clock.js';
import { startSimulation, type RunningSimulation } from './simulation.js';

export interface RunningController {
  /** Where the API listens, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly sites: () => readonly SiteView[];
  readonly store: TimeSeriesStore;
  /** Operating modes per site and asset (issue 6): what the mode routes read and change. */
  readonly modes: ModeTable;
  /** Stops the loop, releases the devices, closes the API and flushes the store. */
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
  const store = await openStore(cfg.store);
  const cleanup: Array<() => Promise<void>> = [() => store.close()];
  const undo = async () => {
    for (const fn of cleanup.reverse()) await fn().catch((err: unknown) => log.error({ err }, 'cleanup failed'));
  };
  try {
    // The registry (API clients, ...) lives in the data dir next to the embedded store, where
    // `vpp clients add` writes; with InfluxDB for series it still sits in $VPP_DATA_DIR.
    const registry = openRegistry({ dataDir: cfg.store.kind === 'sqlite' ? cfg.store.dataDir : process.env.VPP_DATA_DIR || DEFAULT_DATA_DIR });
    cleanup.push(async () => registry.close());
    // The simulated clock starts inside startSimulation; read just before, it is off by the set-up time only.
    const simWallStartMs = Date.now();
    const sim: RunningSimulation = await startSimulation(cfg);
    cleanup.push(() => sim.close());
    if (cfg.simulation !== null) log.info({ start: cfg.simulation.startAt, speed: cfg.simulation.speed, sites: sim.sites.length }, 'simulated devices listening');

    const adapters = new Map<string, DeviceAdapter>();
    for (const cs of sim.sites) {
      for (const asset of cs.site.assets) {
        adapters.set(
          `${cs.site.id}/${asset.id}`,
          createAdapter({
            siteId: cs.site.id,
            assetId: asset.id,
            kind: asset.kind,
            binding: asset.binding,
            pollIntervalS: asset.pollIntervalS,
            revertS: cs.revertS[asset.id] ?? 30,
            ...(asset.kind === 'meter' && asset.invert === true ? { invert: true } : {}),
            ...(asset.kind === 'battery' && asset.gridChargingAllowed !== undefined ? { gridChargingAllowed: asset.gridChargingAllowed } : {}),
          }),
        );
      }
    }
    cleanup.push(async () => void (await Promise.allSettled([...adapters.values()].map((a) => a.close()))));

    const telemetry$ = merge(...[...adapters.values()].map((a) => a.telemetry$));
    const latest = new Map<string, SiteState>();
    const subs: Subscription[] = [telemetry$.subscribe(recordTelemetry(store))];
    // Every new state also goes to the API's live stream (GET /api/v1/stream).
    const siteStates = new Subject<SiteState>();
    for (const cs of sim.sites) {
      subs.push(
        siteState$(cs.site, telemetry$).subscribe((s) => {
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

    const modes = createModeTable(sim.sites.map((cs) => cs.site), modeLog ?? registry.modes, log);
    seedVens(registry, sim.sites.map((cs) => cs.site)); // configured sites appear as OpenADR vens (venName = site id)
    // DR events from the registry (issue 7) drive the loop and the planner; their status feeds the stream.
    const drEvents = startDrEvents({ events: registry.events, log });
    cleanup.push(async () => drEvents.stop());
    // Sites with a tariff are planned (issue 6); the demo's calendar is its simulated clock, and
    // the store's history from before this run is another run's simulated world.
    const planner = createLivePlanner({
      sites: sim.sites,
      store,
      log,
      signals: drEvents.signals,
      ...(cfg.simulation !== null ? { clock: simulatedClock(cfg.simulation.startMs, simWallStartMs, cfg.simulation.speed), historyFromMs: simWallStartMs } : {}),
    });
    if (planner.siteIds.size > 0) log.info({ sites: [...planner.siteIds] }, 'planning sites with a tariff or a forecast');
    // Undone in reverse: the loop stops first, then a plan in flight is let finish, then the store closes.
    cleanup.push(() => planner.settled());
    const loop = startControlLoop({ sites: sim.sites, latest, adapters, store, log, modes, cycleS: cfg.control.cycleS, planner, signals: drEvents.signals });
    cleanup.push(() => loop.stop());

    const sites = (): SiteView[] => sim.sites.map((cs) => ({ site: cs.site, state: latest.get(cs.site.id) ?? null }));
    const adapterStatus = (): AdapterStatus[] =>
      [...adapters.values()].map((a) => ({ ...a.health(), siteId: a.target.siteId, assetId: a.target.assetId, binding: a.target.binding }));
    const app: FastifyInstance = await buildApp({ version, sites, store, adapters: adapterStatus, nowMs: Date.now, registry, modes, siteStates$: siteStates.asObservable(),
      events$: drEvents.changes$, onEventsChange: drEvents.markChanged });
    cleanup.push(() => app.close());
    const url = await app.listen({ host: cfg.http.host, port: cfg.http.port });

    let stopping: Promise<void> | null = null;
    return { url, sites, store, modes, stop: () => (stopping ??= undo()) };
  } catch (err) {
    await undo();
    throw err;
  }
}
