/**
 * "API and DR events" (issue 7): `npx tsx bench/run.ts api` runs this section alone.
 * - Event created → every setpoint written, for the fleet of api-events-fleet.ts (20 sites × 50
 *   batteries over Modbus TCP on loopback by default), p50 / p99 over REPEATS events, beside the
 *   same write issued straight to every battery (no API, no control loop). Goal p99 <= 1 s.
 * - GET /api/v1/sites with 1,000 sites, req/s and p99, beside GET /api/v1/health
 *   (api-events-sites.ts).
 * - How late the main thread's timers run while two sites re-plan, HiGHS on the main thread
 *   against the planner's worker thread (api-events-planner.ts).
 * VPP_BENCH_API_SITES / VPP_BENCH_API_BATTERIES shrink the fleet for a smaller machine.
 */
import { measureFleet } from './api-events-fleet.js';
import { measureReplanLateness } from './api-events-planner.js';
import { benchSitesApi } from './api-events-sites.js';
import type { BenchFigure } from './figure.js';

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function fleetFigures(): Promise<BenchFigure[]> {
  const f = await measureFleet();
  const n = f.assets.toLocaleString('en-US');
  const missed = f.notes.length > 0 ? `; ${f.notes.length} notes: ${f.notes.slice(0, 2).join('; ')}` : '';
  return [
    {
      name: `event POST → all ${n} setpoints landed: p50`,
      value: percentile(f.eventMs, 50),
      unit: 'ms',
      baseline: `direct writes to all ${n}: p50 ${percentile(f.directMs, 50).toFixed(0)} ms; POST answered p50 ${percentile(f.postMs, 50).toFixed(0)} ms, first setpoint p50 ${percentile(f.firstMs, 50).toFixed(0)} ms; 1 s control cycle`,
    },
    {
      name: `event POST → all ${n} setpoints landed: p99`,
      value: percentile(f.eventMs, 99),
      unit: 'ms',
      baseline: `direct writes p99 ${percentile(f.directMs, 99).toFixed(0)} ms; ${f.eventMs.length} events, ${f.directMs.length} direct rounds; goal <= 1,000 ms${missed}`,
    },
  ];
}

async function replanFigures(): Promise<BenchFigure[]> {
  const { before, after, what } = await measureReplanLateness();
  const max = (l: readonly number[]) => l.at(-1) ?? NaN;
  return [
    { name: 'timer lateness while 2 sites re-plan, worker: max', value: max(after.lateMs), unit: 'ms', baseline: `HiGHS on the main thread: ${max(before.lateMs).toFixed(0)} ms; ${what}` },
    { name: 'timer lateness while 2 sites re-plan, worker: p99', value: percentile(after.lateMs, 99), unit: 'ms', baseline: `main thread: ${percentile(before.lateMs, 99).toFixed(0)} ms; ${after.lateMs.length} / ${before.lateMs.length} ticks` },
    { name: 'one re-plan of both sites, worker: wall', value: after.replanMs, unit: 'ms', baseline: `main thread: ${before.replanMs.toFixed(0)} ms` },
  ];
}

export async function benchApiEvents(): Promise<BenchFigure[]> {
  return [...(await benchSitesApi()), ...(await replanFigures()), ...(await fleetFigures())];
}
