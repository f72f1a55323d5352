import { map, scan, type OperatorFunction } from 'rxjs';
import { usable, type AssetState, type EvSession, type Site, type SiteState } from '../domain/index.js';
import { siteFlexibility } from './flex-load-flexibility.js';
import { nextLocalTimeMs } from './local-time.js';

/**
 * The sessions after one more look at the chargers, from the charger's configured defaults
 * (`departs`, `energyNeededKwh`): a car seen plugged in (connected good and 1) opens a session
 * at the charger's energy register, delivered energy counts up from it, and the departure is
 * the next `departs` after the car arrived; a car seen unplugged (connected good and 0) ends
 * it. While `connected` is not good the session is kept as it was: not seeing the car is no
 * reason to forget what it needs. A session the device reported (no energyAtConnectKwh) is
 * left to the device. A charger without defaults opens no session (it is not curtailed).
 */
export function nextEvSessions(
  site: Site,
  prev: Readonly<Record<string, EvSession>> | undefined,
  states: Readonly<Record<string, AssetState>>,
  atMs: number,
): Record<string, EvSession> {
  const out: Record<string, EvSession> = {};
  for (const a of site.assets) {
    if (a.kind !== 'evCharger') continue;
    const before = prev?.[a.id];
    const state = states[a.id];
    const connected = usable(state?.readings.connected);
    const energyKwh = usable(state?.readings.energyImportKwh);
    if (connected !== undefined && connected < 0.5) continue;
    if (before !== undefined) {
      const from = before.energyAtConnectKwh;
      out[a.id] = from === undefined || energyKwh === undefined ? before : { ...before, deliveredKwh: Math.max(0, energyKwh - from) };
      continue;
    }
    if (connected === undefined) continue;
    if (a.departs === undefined || a.energyNeededKwh === undefined || energyKwh === undefined) continue;
    out[a.id] = {
      connectedAtMs: atMs,
      deliveredKwh: 0,
      energyNeededKwh: a.energyNeededKwh,
      departsAtMs: nextLocalTimeMs(atMs, a.departs, site.timezone),
      energyAtConnectKwh: energyKwh,
    };
  }
  return out;
}

/**
 * Adds EV sessions to a stream of site states (tracked across emissions, nextEvSessions) and
 * recomputes the envelope with them. A site without EV chargers passes unchanged.
 */
export function withEvSessions(site: Site): OperatorFunction<SiteState, SiteState> {
  if (!site.assets.some((a) => a.kind === 'evCharger')) return map((s) => s);
  return scan((acc: SiteState | undefined, s: SiteState): SiteState => {
    const evSessions = nextEvSessions(site, s.evSessions ?? acc?.evSessions, s.assets, s.atMs);
    return { ...s, evSessions, flexibility: siteFlexibility(site, s.assets, evSessions, s.atMs) };
  }, undefined) as OperatorFunction<SiteState, SiteState>;
}
