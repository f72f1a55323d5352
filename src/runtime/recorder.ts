import { join } from 'node:path';
import type { Observable, Subscription } from 'rxjs';
import type { VppConfig } from '../config/index.js';
import type { SiteState, Telemetry } from '../domain/index.js';
import { DEFAULT_DATA_DIR, type EventPerformanceRecord, type MetricPoint, type StoreConfig, type TimeSeriesStore } from '../store/index.js';
import type { Logger } from './logger.js';

const SITE_SERIES = ['gridPowerKw', 'loadPowerKw', 'pvPowerKw', 'batteryPowerKw', 'batterySocPct'] as const;

/** A reading with a value (good or stale) as a stored point; a bad reading has none to store. */
export function telemetryPoint(t: Telemetry): MetricPoint | null {
  if (t.value === null || !Number.isFinite(t.value)) return null;
  return { siteId: t.siteId, assetId: t.assetId, metric: t.metric, atMs: t.atMs, value: t.value, quality: t.quality };
}

/** The site-level series of one cycle, stamped with the cycle time. */
export function sitePoints(state: SiteState, atMs: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const metric of SITE_SERIES) {
    const r = state[metric];
    if (r === undefined || r.value === null) continue;
    out.push({ siteId: state.siteId, metric, atMs, value: r.value, quality: r.quality });
  }
  return out;
}

/**
 * Batches telemetry into the store's queue (the store batches again into transactions). A
 * write the store refuses (queue or spool full) is already counted and logged by the store;
 * it must not end the telemetry subscription, so it is caught here.
 */
export function recordTelemetry(store: Pick<TimeSeriesStore, 'writeMetrics'>): (t: Telemetry) => void {
  return (t) => {
    const p = telemetryPoint(t);
    if (p === null) return;
    try {
      store.writeMetrics([p]);
    } catch {
      // Counted in store.stats().refusedPoints and reported through the store's onError.
    }
  };
}

/**
 * The store as the runtime opens it: retention and spool from the config; InfluxDB spools
 * under the data dir next to the registry ($VPP_DATA_DIR or ./data); store problems go to the
 * log, refusals and losses as errors.
 */
export function storeOptions(cfg: Pick<VppConfig, 'store'>, log: Pick<Logger, 'warn' | 'error'>): StoreConfig {
  const s = cfg.store;
  const spool =
    s.kind === 'influx' && s.spool?.dir === undefined
      ? { spool: { ...s.spool, dir: join(process.env.VPP_DATA_DIR || DEFAULT_DATA_DIR, 'spool') } }
      : {};
  return {
    ...s,
    ...spool,
    onError: (err) => {
      if (/FULL|DROPPED|CORRUPT|SPOOL_FAILED/.test(err.code)) log.error({ code: err.code }, err.message);
      else log.warn({ code: err.code }, err.message);
    },
  };
}

/** How a site did in an event, as the M&V code reports it (api's sitePerformance view). */
export interface PerformanceView {
  readonly window: { readonly start: string; readonly end: string };
  readonly intervals: readonly { readonly baselineKw: number | null }[];
  readonly deliveredKwh: number | null;
  readonly meanDeliveredKw: number | null;
  readonly compliancePct: number | null;
}

/** The record to store, or why there is none (no baseline or no meter data: nothing is made up). */
export function performanceRecord(eventId: string, siteId: string, v: PerformanceView): EventPerformanceRecord | string {
  const baselines = v.intervals.map((i) => i.baselineKw).filter((b): b is number => b !== null && Number.isFinite(b));
  if (baselines.length === 0) return 'no baseline';
  if (v.meanDeliveredKw === null || v.deliveredKwh === null || v.compliancePct === null) return 'no meter data in the window';
  return {
    eventId,
    siteId,
    startMs: Date.parse(v.window.start),
    endMs: Date.parse(v.window.end),
    baselineKw: baselines.reduce((a, b) => a + b, 0) / baselines.length,
    deliveredKw: v.meanDeliveredKw,
    deliveredKwh: v.deliveredKwh,
    compliancePct: v.compliancePct,
  };
}

export interface EventRecorderOptions {
  readonly store: Pick<TimeSeriesStore, 'writeEventPerformance' | 'flush'>;
  /** Event status changes (the DR runtime's changes$). */
  readonly changes$: Observable<{ readonly eventId: string; readonly status: string; readonly siteIds?: readonly string[] }>;
  /** All configured site ids: an event that names none is the whole fleet's. */
  readonly siteIds: readonly string[];
  /** The site's performance in the event, or null when the event is unknown. */
  readonly performance: (siteId: string, eventId: string) => Promise<PerformanceView | null>;
  readonly log: Pick<Logger, 'warn' | 'info'>;
}

/**
 * Records each site's performance when an event completes: the store is flushed first so the
 * last readings of the window are in it, then one EventPerformanceRecord per site.
 */
export function recordEventPerformance(o: EventRecorderOptions): Subscription {
  return o.changes$.subscribe((change) => {
    if (change.status !== 'completed') return;
    const sites = change.siteIds !== undefined && change.siteIds.length > 0 ? change.siteIds : o.siteIds;
    void (async () => {
      await o.store.flush().catch(() => undefined); // an outage: what is spooled is not queryable yet; record what is
      for (const siteId of sites) {
        try {
          const view = await o.performance(siteId, change.eventId);
          if (view === null) continue;
          const rec = performanceRecord(change.eventId, siteId, view);
          if (typeof rec === 'string') {
            o.log.warn({ eventId: change.eventId, siteId }, `event performance not recorded: ${rec}`);
            continue;
          }
          o.store.writeEventPerformance([rec]);
          o.log.info({ eventId: change.eventId, siteId, deliveredKw: rec.deliveredKw, compliancePct: rec.compliancePct }, 'event performance recorded');
        } catch (err) {
          o.log.warn({ eventId: change.eventId, siteId, err: (err as Error).message }, 'event performance not recorded');
        }
      }
    })();
  });
}
