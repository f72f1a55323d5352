import mqtt from 'mqtt';
import { Subject, type Subscription } from 'rxjs';
import { fleetState$, parseSiteSummary, toSiteSummary, type FleetState, type SiteSummary } from '../core/index.js';
import type { Site, SiteState } from '../domain/index.js';
import type { Logger } from './logger.js';

/** Where every controller publishes its sites' summaries: `<prefix>/<siteId>/summary`, retained. */
export const FLEET_TOPIC_PREFIX = 'vpp/fleet';

export interface FleetBusOptions {
  readonly brokerUrl: string;
  readonly controllerId: string;
  readonly log: Pick<Logger, 'info' | 'warn'>;
  /** A site's summary is sent at most this often, ms; default 1000. */
  readonly publishEveryMs?: number;
  /** A site not heard from for this long is stale in the fleet state, s; default 10. */
  readonly staleAfterS?: number;
}

export interface FleetBus {
  /** A new state of a site this process owns: sent as its summary (throttled). */
  publish(site: Site, state: SiteState): void;
  /** The fleet as heard on the bus, every site whichever controller owns it; null before the first summary. */
  fleet(): FleetState | null;
  close(): Promise<void>;
}

/**
 * The fleet across controller processes (ARCHITECTURE.md): each controller sends the summaries
 * of the sites it owns over MQTT and reads everybody's, so fleet-level views and allocation work
 * on site summaries, never on another process's devices. A malformed summary is dropped with a
 * warning naming the topic and the field.
 */
export async function startFleetBus(o: FleetBusOptions): Promise<FleetBus> {
  const everyMs = o.publishEveryMs ?? 1000;
  const client = mqtt.connect(o.brokerUrl, { clientId: `vpp-fleet-${o.controllerId}`, reconnectPeriod: 1000, connectTimeout: 10_000 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const summaries = new Subject<SiteSummary>();
  let latest: FleetState | null = null;
  const sub: Subscription = fleetState$(summaries, { staleAfterS: o.staleAfterS ?? 10, coalesceMs: 1000 }).subscribe((f) => (latest = f));
  client.on('message', (topic, payload) => {
    try {
      summaries.next(parseSiteSummary(JSON.parse(payload.toString())));
    } catch (err) {
      o.log.warn({ topic, err: (err as Error).message }, 'fleet bus: summary dropped');
    }
  });
  await client.subscribeAsync(`${FLEET_TOPIC_PREFIX}/+/summary`, { qos: 0 });
  o.log.info({ broker: o.brokerUrl }, 'fleet bus: site summaries shared over MQTT');

  const lastSentMs = new Map<string, number>();
  return {
    publish: (site, state) => {
      const now = Date.now();
      if (now - (lastSentMs.get(site.id) ?? 0) < everyMs || !client.connected) return;
      lastSentMs.set(site.id, now);
      client.publish(`${FLEET_TOPIC_PREFIX}/${site.id}/summary`, JSON.stringify(toSiteSummary(state, site)), { qos: 0, retain: true });
    },
    fleet: () => latest,
    close: async () => {
      sub.unsubscribe();
      summaries.complete();
      await client.endAsync();
    },
  };
}
