/**
 * What operations cost (issue 8, item 4): the metrics the control loop feeds each cycle, and a
 * /metrics scrape of a large controller, each beside a same-run baseline.
 */
import { peakShaving, initialPeakShavingState, processImage } from '../src/control/index.js';
import { summariseSite } from '../src/core/index.js';
import type { AdapterHealth, Asset, AssetState, Site } from '../src/domain/index.js';
import { createRuntimeMetrics } from '../src/runtime/index.js';
import type { TimeSeriesStore } from '../src/store/index.js';
import type { BenchFigure } from './figure.js';

const BINDING = { binding: 'modbus://127.0.0.1:1502/1', staleAfterS: 10, pollIntervalS: 1 };

function timeUs(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 1000); i++) fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return ((performance.now() - t0) * 1000) / n;
}

async function timeMsAsync(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

/** One site with 10 batteries, import above target: the peak shaver's usual cycle. */
function image() {
  const atMs = Date.now();
  const batteries: Asset[] = Array.from({ length: 10 }, (_, i) => ({
    ...BINDING, id: `bess-${i}`, kind: 'battery' as const, capacityKwh: 200, maxChargeKw: 100, maxDischargeKw: 100, minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.95,
  }));
  const site: Site = { id: 's', name: 's', timezone: 'UTC', gridImportLimitKw: 2000, peakTargetKw: 400, assets: [{ ...BINDING, id: 'grid', kind: 'meter' }, ...batteries] };
  const states: Record<string, AssetState> = { grid: { assetId: 'grid', kind: 'meter', available: true, readings: { powerKw: { value: 600, quality: 'good', atMs } } } };
  for (const b of batteries) states[b.id] = { assetId: b.id, kind: 'battery', available: true, readings: { powerKw: { value: 0, quality: 'good', atMs }, socPct: { value: 50, quality: 'good', atMs } } };
  return { img: processImage(site, summariseSite(site, states, atMs)), atMs };
}

export async function benchOperations(): Promise<BenchFigure[]> {
  const metrics = createRuntimeMetrics({ adapterSampleMs: 3_600_000 });
  const { img, atMs } = image();
  const stepUs = timeUs(20_000, (i) => peakShaving(img, atMs + i, initialPeakShavingState));
  const metricsUs = timeUs(200_000, (i) => {
    metrics.loop.cycle((i % 100) / 10_000, false);
    metrics.loop.setpointRecorded('s', 'x; by peak-shaving', true);
  });

  // A scrape of a controller with 1,000 devices, beside serialising the same health as JSON (GET /health's work).
  const health: AdapterHealth = { connected: true, lastOkAtMs: Date.now(), consecutiveErrors: 0, lastError: null, errorsTotal: 0, reconnectsTotal: 0 };
  const adapters = Array.from({ length: 1000 }, (_, i) => ({ target: { siteId: `site-${Math.floor(i / 10)}`, assetId: `a-${i}`, binding: BINDING.binding }, health: () => health }));
  const store = { kind: 'sqlite' as const, stats: () => ({ queuedPoints: 0, spooledPoints: 0, spooledBytes: 0, spoolSegments: 0, spoolMaxBytes: null, writtenPoints: 0, replayedPoints: 0, spooledPointsTotal: 0, refusedPoints: 0, skippedSpoolRecords: 0, droppedByBackendPoints: 0, failedFlushes: 0, backendUp: true }) } satisfies Pick<TimeSeriesStore, 'kind' | 'stats'>;
  metrics.bind({ adapters: () => adapters, store, activeEvents: () => 0 });
  const scrapeMs = await timeMsAsync(50, () => metrics.metrics());
  const jsonMs = await timeMsAsync(50, async () => JSON.stringify(adapters.map((a) => ({ ...a.target, ...a.health() }))));
  metrics.close();
  return [
    { name: 'metrics fed by one control cycle', value: metricsUs, unit: 'µs', baseline: `peak-shaving step, 1 site × 10 batteries: ${stepUs.toFixed(2)} µs` },
    { name: 'GET /metrics body, 1,000 devices', value: scrapeMs, unit: 'ms', baseline: `JSON of the same health: ${jsonMs.toFixed(2)} ms` },
  ];
}
