import type { SiteOwnership } from '../store/index.js';
import type { Logger } from './logger.js';

/** A site's running part in this process (its adapters, state and control loop). */
export interface SiteUnit {
  /** Stops controlling the site; the devices keep their last setpoints until their revert timers run out. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Opens an ownership session (called again after a lost one). */
  readonly open: () => Promise<SiteOwnership>;
  /** Every site of the fleet, in the config's order. */
  readonly siteIds: readonly string[];
  readonly startSite: (siteId: string, epoch: number) => Promise<SiteUnit>;
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Ownership check period, ms; default 1000. */
  readonly claimIntervalMs?: number;
}

export interface SiteOwnershipChange {
  readonly siteId: string;
  readonly change: 'taken' | 'released' | 'fenced' | 'lost';
  readonly epoch?: number;
  readonly atMs: number;
}

export interface RunningCluster {
  readonly controllerId: () => string | null;
  /** The sites this process controls now. */
  owned(): string[];
  /** Every change of ownership seen here, oldest first (bounded). */
  history(): readonly SiteOwnershipChange[];
  /** One round: fence, balance, claim. The timer calls it; tests may too. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const HISTORY_MAX = 10_000;

/**
 * Shares the fleet among the controllers that have a PostgreSQL session: each takes at most
 * its fair share (ceil(sites / live controllers)) of the sites no one holds; one holding more
 * than its share gives the excess back (a controller joined). A controller that died has no
 * session, so its locks are free and its sites are taken at the survivors' next round. A site
 * whose owner row shows another epoch, or every site when the session is lost, stops at once:
 * a controller that may have lost a site never writes to it again.
 */
export function startCluster(o: ClusterOptions): RunningCluster {
  const intervalMs = o.claimIntervalMs ?? 1000;
  const units = new Map<string, SiteUnit>();
  const changes: SiteOwnershipChange[] = [];
  let ownership: SiteOwnership | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const record = (c: SiteOwnershipChange) => {
    changes.push(c);
    if (changes.length > HISTORY_MAX) changes.splice(0, changes.length - HISTORY_MAX);
  };
  const stopUnit = async (siteId: string, change: SiteOwnershipChange['change']) => {
    const unit = units.get(siteId);
    units.delete(siteId);
    record({ siteId, change, atMs: Date.now() });
    await unit?.stop().catch((err: unknown) => o.log.error({ site: siteId, err }, 'cluster: stopping a site failed'));
  };

  const connect = async (): Promise<SiteOwnership> => {
    const own = await o.open();
    own.onLost((err) => {
      o.log.error({ err: err.message, sites: units.size }, 'cluster: ownership session lost; stopping every site');
      if (ownership === own) ownership = null;
      for (const siteId of [...units.keys()]) void stopUnit(siteId, 'lost');
    });
    o.log.info({ controller: own.controllerId }, 'cluster: ownership session open');
    return own;
  };

  const round = async (): Promise<void> => {
    if (stopped) return;
    ownership ??= await connect();
    const own = ownership;
    for (const siteId of await own.fenced()) {
      o.log.warn({ site: siteId }, 'cluster: another controller owns this site now (epoch moved); stopping it here');
      await stopUnit(siteId, 'fenced');
    }
    const alive = await own.aliveControllers();
    const share = Math.ceil(o.siteIds.length / Math.max(1, alive.length));
    // A controller joined: give the excess back, last taken first.
    const mine = [...units.keys()];
    for (const siteId of mine.slice(share).reverse()) {
      await stopUnit(siteId, 'released');
      await own.release(siteId);
    }
    if (units.size >= share) return;
    // Start looking at this controller's slice, so that controllers starting together contend less.
    const me = Math.max(0, alive.indexOf(own.controllerId));
    const offset = (me * share) % Math.max(1, o.siteIds.length);
    const order = [...o.siteIds.slice(offset), ...o.siteIds.slice(0, offset)].filter((id) => !units.has(id));
    const taken = await own.claim(order, share - units.size);
    await Promise.all(
      taken.map(async ({ siteId, epoch }) => {
        try {
          units.set(siteId, await o.startSite(siteId, epoch));
          record({ siteId, change: 'taken', epoch, atMs: Date.now() });
        } catch (err) {
          o.log.error({ site: siteId, err }, 'cluster: could not start the site; giving it back');
          await own.release(siteId).catch(() => undefined);
        }
      }),
    );
    if (taken.length > 0) o.log.info({ taken: taken.length, owned: units.size, share, controllers: alive.length }, 'cluster: sites taken');
  };

  const tick = (): Promise<void> => {
    running ??= round()
      .catch((err: unknown) => o.log.warn({ err: (err as Error).message }, 'cluster: ownership round failed; retrying'))
      .finally(() => {
        running = null;
      });
    return running;
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);

  return {
    controllerId: () => ownership?.controllerId ?? null,
    owned: () => [...units.keys()],
    history: () => changes,
    tick,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      await Promise.all([...units.keys()].map((id) => stopUnit(id, 'released')));
      await ownership?.close();
      ownership = null;
    },
  };
}
