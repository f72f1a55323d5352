import type { DrEvent, Site } from '../domain/index.js';
import { eventWindow } from '../events/index.js';
// The M&V baseline the performance report uses, so the live shed and its measurement agree.
import { siteBaseline } from '../mv/index.js';
import type { TimeSeriesStore } from '../store/index.js';
import type { Logger } from './logger.js';

/** What a site's baseline for one event came out as, for the dispatch record. */
export interface BaselineNote {
  readonly eventId: string;
  readonly siteId: string;
  readonly ok: boolean;
  readonly method: string;
  readonly why: string;
  readonly intervalS: number;
  /** Per interval of the window, kW (ok only). */
  readonly baselineKw?: readonly number[];
  readonly reason?: string;
}

export interface LiveBaselines {
  /**
   * The site's baseline for the event at nowMs, kW: what it would import without the event.
   * Undefined before its start at the site, while it is computed (from the store, once per
   * event and site) and when it was refused (retried every RETRY_MS).
   */
  at(ev: DrEvent, site: Site, nowMs: number): number | undefined;
  /** Resolves when no computation is in flight. */
  settled(): Promise<void>;
}

export interface LiveBaselineOptions {
  readonly store: Pick<TimeSeriesStore, 'queryMetric'>;
  readonly log: Pick<Logger, 'info' | 'warn'>;
  /** The registry's other events (their days are never like days). */
  readonly events: () => readonly DrEvent[];
  /** Called once per computed baseline (ok or not), for the event's dispatch record. */
  readonly onBaseline?: (note: BaselineNote, atMs: number) => void;
}

const RETRY_MS = 10_000;
/** An open-ended window is measured over a day at most. */
const MAX_WINDOW_S = 86_400;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The interval the performance report (GET /events/{id}/performance) uses for the window:
 * 60 s under an hour, else 900 s, or a common divisor when the window is not a whole number.
 */
export function baselineIntervalS(ev: DrEvent, siteId: string): number {
  const w = eventWindow(ev, siteId);
  const durationS = Math.max(1, Math.round(Math.min(MAX_WINDOW_S * 1000, w.endMs - w.startMs) / 1000));
  const nominalS = durationS < 3600 ? 60 : 900;
  return durationS % nominalS === 0 ? nominalS : gcd(durationS, nominalS);
}

type Entry = { readonly state: 'pending' } | { readonly state: 'ok'; readonly startMs: number; readonly intervalMs: number; readonly kw: readonly number[] } | { readonly state: 'refused'; readonly atMs: number };

/**
 * Live baselines for relative sheds (issue 7): computed from the store at the site's start
 * with the same method as M&V (CAISO 10-of-10 with 10 days of history, else meter-before on
 * the interval before the start), so "shed N kW" becomes an import cap baseline − N that the
 * performance report then measures against the same baseline.
 */
export function createLiveBaselines(options: LiveBaselineOptions): LiveBaselines {
  const { store, log } = options;
  const entries = new Map<string, Entry>();
  const inFlight = new Set<Promise<void>>();

  const compute = (key: string, ev: DrEvent, site: Site, startMs: number, nowMs: number): void => {
    entries.set(key, { state: 'pending' });
    const intervalS = baselineIntervalS(ev, site.id);
    const w = eventWindow(ev, site.id);
    const n = Math.max(1, Math.ceil(Math.min(MAX_WINDOW_S * 1000, w.endMs - startMs) / (intervalS * 1000)));
    const others = options.events().filter((o) => o.id !== ev.id);
    const p = siteBaseline(store, site, ev, others, startMs, intervalS, n)
      .then(({ result, why }) => {
        const base = { eventId: ev.id, siteId: site.id, method: result.method, why, intervalS };
        if (result.ok) {
          entries.set(key, { state: 'ok', startMs, intervalMs: intervalS * 1000, kw: result.baselineKw });
          log.info({ event: ev.id, site: site.id, method: result.method, baselineKw: result.baselineKw[0], why }, 'DR baseline computed');
          options.onBaseline?.({ ...base, ok: true, baselineKw: result.baselineKw }, nowMs);
        } else {
          entries.set(key, { state: 'refused', atMs: nowMs });
          log.warn({ event: ev.id, site: site.id, reason: result.reason }, 'DR baseline refused: the relative shed waits for one');
          options.onBaseline?.({ ...base, ok: false, reason: result.reason }, nowMs);
        }
      })
      .catch((err: unknown) => {
        entries.set(key, { state: 'refused', atMs: nowMs });
        log.warn({ event: ev.id, site: site.id, err: (err as Error).message }, 'DR baseline failed: the relative shed waits for one');
      });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  return {
    at: (ev, site, nowMs) => {
      const { startMs } = eventWindow(ev, site.id);
      if (nowMs < startMs) return undefined;
      const key = `${ev.id}/${site.id}/${ev.modifiedAtMs}`;
      const e = entries.get(key);
      if (e === undefined || (e.state === 'refused' && nowMs - e.atMs >= RETRY_MS)) {
        compute(key, ev, site, startMs, nowMs);
        return undefined;
      }
      if (e.state !== 'ok') return undefined;
      const k = Math.min(e.kw.length - 1, Math.max(0, Math.floor((nowMs - e.startMs) / e.intervalMs)));
      return e.kw[k];
    },
    settled: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
