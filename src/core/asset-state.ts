import {
  asyncScheduler,
  filter,
  groupBy,
  map,
  mergeMap,
  scan,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import {
  METRICS,
  type Asset,
  type AssetKind,
  type AssetState,
  type Metric,
  type Reading,
  type Telemetry,
} from '../domain/index.js';
import { staleAfter } from './staleness.js';

/** The metrics an asset must have `good` before anything may be dispatched on it. */
export function requiredMetrics(kind: AssetKind): readonly Metric[] {
  if (kind === 'battery') return ['powerKw', 'socPct'];
  // Whether a car is plugged in decides what an EV charger may do; the room temperature, an HVAC unit.
  if (kind === 'evCharger') return ['powerKw', 'connected'];
  if (kind === 'hvac') return ['powerKw', 'temperatureC'];
  return ['powerKw'];
}

/** True only while every metric the asset needs for dispatch is `good`. */
export function isAvailable(kind: AssetKind, readings: AssetState['readings']): boolean {
  return requiredMetrics(kind).every((m) => readings[m]?.quality === 'good');
}

export function emptyAssetState(asset: Asset): AssetState {
  return { assetId: asset.id, kind: asset.kind, readings: {}, available: false };
}

/**
 * Restores the Reading invariant at the door: a `good` reading must carry a finite number. An
 * adapter bug that lets NaN through must make the asset unavailable, never dispatch on NaN.
 */
export function normaliseReading(t: Telemetry): Reading {
  const good = t.quality === 'good' && typeof t.value === 'number' && Number.isFinite(t.value);
  if (good) return { value: t.value, quality: 'good', atMs: t.atMs };
  if (t.quality === 'stale' && typeof t.value === 'number' && Number.isFinite(t.value)) {
    return { value: t.value, quality: 'stale', atMs: t.atMs };
  }
  return { value: null, quality: 'bad', atMs: t.atMs };
}

const KNOWN_METRICS: ReadonlySet<string> = new Set(METRICS);

/**
 * The state of one asset from its telemetry: latest reading per metric, staleness applied per
 * metric with the asset's own `staleAfterS`. Telemetry of other assets is ignored. Emits on
 * every change, starting with the first reading.
 */
export function assetState$(
  asset: Asset,
  telemetry$: Observable<Telemetry>,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<AssetState> {
  const staleAfterMs = asset.staleAfterS * 1000;
  return telemetry$.pipe(
    // Site filtering is the caller's job; here only the asset and metric are checked.
    filter((t) => t.assetId === asset.id && KNOWN_METRICS.has(t.metric)),
    groupBy((t) => t.metric),
    mergeMap((byMetric) =>
      byMetric.pipe(
        map(normaliseReading),
        staleAfter(staleAfterMs, scheduler),
        map((reading): MetricEntry => ({ metric: byMetric.key, reading })),
      ),
    ),
    scan((state: AssetState, entry: MetricEntry): AssetState => {
      const readings = { ...state.readings, [entry.metric]: entry.reading };
      return { ...state, readings, available: isAvailable(asset.kind, readings) };
    }, emptyAssetState(asset)),
  );
}

interface MetricEntry {
  readonly metric: Metric;
  readonly reading: Reading;
}
