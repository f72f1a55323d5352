import { merge, type Subscription } from 'rxjs';
import type { FastifyInstance } from 'fastify';
import { createAdapter } from '../../adapters/index.js';
import { buildApp, type AdapterStatus, type SiteView } from '../api/index.js';
import type { ConfiguredSite, VppConfig } from '../config/index.js';
import { siteState$ } from '../core/index.js';
import { peakShaving, initialPeakShavingState, processImage, type PeakShavingState } from '../control/index.js';
import type { DeviceAdapter, SiteState } from '../domain/index.js';
import { openStore, type TimeSeriesStore } from '../store/index.js';
import type { Logger } from './logger.js';
import { recordTelemetry, sitePoints } from './recorder.js';
import { SetpointWriter } from './setpoint-writer.js';
import { startSimulation, type RunningSimulation } from './simulation.js';

export interface RunningController {
  /** Where the API listens, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly sites: () => readonly SiteView[];
  readonly store: TimeSeriesStore;
  /** Stops the loop, releases the devices, closes the API and flushes the store. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly log: Logger;
  readonly version: string;
}

/**
 * Builds a running controller from config: store, (demo) simulators, one adapter per asset,
 * site state per site, the control cycle, the setpoint writer, and the API. The only place
 * that knows every part.
 */
export async function startController(cfg: VppConfig, { log, version }: StartOptions): Promise<RunningController> {
  const store = await openStore(cfg.store);
  const cleanup: Array<() => Promise<void>> = [() => store.close()];
  const undo = async () => {
    for (const fn of cleanup.reverse()) await fn().catch((err: unknown) => log.error({ err }, 'cleanup failed'));
  };
  try {
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
          }),
        );
      }
    }
    cleanup.push(async () => void (await Promise.allSettled([...adapters.values()].map((a) => a.close()))));

    const telemetry$ = merge(...[...adapters.values()].map((a) => a.telemetry$));
    const latest = new Map<string, SiteState>();
    const subs: Subscription[] = [telemetry$.subscribe(recordTelemetry(store))];
    for (const cs of sim.sites) subs.push(siteState$(cs.site, telemetry$).subscribe((s) => latest.set(s.siteId, s)));
    cleanup.push(async () => subs.forEach((s) => s.unsubscribe()));

    // Devices that are down at start are retried by their adapters; start-up does not wait on them.
    await Promise.all(
      [...adapters.values()].map((a) =>
        a.connect().catch((err: unknown) => log.warn({ binding: a.target.binding, err: (err as Error).message }, 'device not reachable yet; retrying')),
      ),
    );

    const loop = startControlLoop(cfg, sim.sites, latest, adapters, store, log);
    cleanup.push(() => loop.stop());

    const sites = (): SiteView[] => sim.sites.map((cs) => ({ site: cs.site, state: latest.get(cs.site.id) ?? null }));
    const adapterStatus = (): AdapterStatus[] =>
      [...adapters.values()].map((a) => ({ ...a.health(), siteId: a.target.siteId, assetId: a.target.assetId, binding: a.target.binding }));
    const app: FastifyInstance = await buildApp({ version, sites, store, adapters: adapterStatus, nowMs: Date.now });
    cleanup.push(() => app.close());
    const url = await app.listen({ host: cfg.http.host, port: cfg.http.port });

    let stopping: Promise<void> | null = null;
    return { url, sites, store, stop: () => (stopping ??= undo()) };
  } catch (err) {
    await undo();
    throw err;
  }
}

interface ControlLoop {
  stop(): Promise<void>;
}

/** Every cycle: freeze each site's state, run its controller, write the setpoints, record. */
function startControlLoop(
  cfg: VppConfig,
  sites: readonly ConfiguredSite[],
  latest: ReadonlyMap<string, SiteState>,
  adapters: ReadonlyMap<string, DeviceAdapter>,
  store: TimeSeriesStore,
  log: Logger,
): ControlLoop {
  const revertS = Object.assign({}, ...sites.map((s) => s.revertS)) as Record<string, number>;
  const rampKwPerS: Record<string, number> = {};
  for (const { site } of sites) for (const a of site.assets) if (a.kind === 'battery' && a.rampKwPerS !== undefined) rampKwPerS[a.id] = a.rampKwPerS;
  const writer = new SetpointWriter(adapters, store, log, { deadbandKw: 0.01, revertS, rampKwPerS });
  const states = new Map<string, PeakShavingState>(sites.map((s) => [s.site.id, initialPeakShavingState]));
  const pending = new Set<Promise<void>>();
  const lastNote = new Map<string, string>();

  const cycle = () => {
    const nowMs = Date.now();
    for (const { site } of sites) {
      const state = latest.get(site.id);
      if (state === undefined) continue;
      store.writeMetrics(sitePoints(state, nowMs));
      try {
        const result = peakShaving(processImage(site, state), nowMs, states.get(site.id) ?? initialPeakShavingState);
        states.set(site.id, result.state);
        const note = (result.notes ?? []).join('; ');
        if (note !== (lastNote.get(site.id) ?? '')) {
          if (note !== '') log.info({ site: site.id, note }, 'controller note');
          lastNote.set(site.id, note);
        }
        const p = writer.apply(result.setpoints, nowMs);
        pending.add(p);
        void p.finally(() => pending.delete(p));
      } catch (err) {
        // A controller that throws is marked failed for this cycle; other sites still run.
        log.error({ site: site.id, err }, 'controller failed');
      }
    }
  };
  const timer = setInterval(cycle, cfg.control.cycleS * 1000);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
    },
  };
}
