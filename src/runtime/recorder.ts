import type { SiteState, Telemetry } from '../domain/index.js';
import type { MetricPoint, TimeSeriesStore } from '../store/index.js';

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

/** Batches telemetry into the store's queue (the store batches again into transactions). */
export function recordTelemetry(store: Pick<TimeSeriesStore, 'writeMetrics'>): (t: Telemetry) => void {
  return (t) => {
    const p = telemetryPoint(t);
    if (p !== null) store.writeMetrics([p]);
  };
}
