/**
 * Control-cycle and planner timings for bench/brain.ts. The cycle is one controller call on a
 * frozen process image of ONE site holding N batteries (the worst case for one call: a fleet of
 * N single-battery sites runs N calls of size 1, which the N = 1 row times).
 */
import { createPlanFollowing, initialPeakShavingState, initialPlanFollowingState, peakShaving, processImage, type Controller, type ProcessImage } from '../src/control/index.js';
import { summariseSite } from '../src/core/index.js';
import type { Asset, AssetState, BatteryAsset, Reading, Site } from '../src/domain/index.js';
import { planSchedule, type Plan, type PlanBattery } from '../src/schedule/index.js';
import { minimumPeak } from '../test/helpers/optimum.js';
import type { BenchFigure } from './figure.js';

const T0 = Date.parse('2025-07-15T00:00:00+08:00');
const SLOTS = 96;
const BINDING = { binding: 'modbus://127.0.0.1:1502/1', staleAfterS: 10, pollIntervalS: 1 };

const good = (value: number, atMs: number): Reading => ({ value, quality: 'good', atMs });

function battery(i: number): BatteryAsset {
  return { ...BINDING, id: `bess-${i}`, kind: 'battery', capacityKwh: 200, maxChargeKw: 100, maxDischargeKw: 100, minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.95 };
}

/** One site with n batteries, import above its target so every battery gets a share. */
function imageOf(n: number, atMs: number, plan?: Plan): ProcessImage {
  const batteries = Array.from({ length: n }, (_, i) => battery(i));
  const assets: Asset[] = [{ ...BINDING, id: 'grid', kind: 'meter' }, ...batteries];
  const site: Site = { id: 'bench-site', name: 'bench', timezone: 'Asia/Shanghai', gridImportLimitKw: 100 * n + 500, peakTargetKw: 40 * n, assets };
  const states: Record<string, AssetState> = {
    grid: { assetId: 'grid', kind: 'meter', readings: { powerKw: good(60 * n, atMs), energyImportKwh: good(1000 * n, atMs) }, available: true },
  };
  batteries.forEach((b, i) => {
    states[b.id] = { assetId: b.id, kind: 'battery', readings: { powerKw: good(0, atMs), socPct: good(30 + (i % 50), atMs) }, available: true };
  });
  const img = processImage(site, summariseSite(site, states, atMs));
  return plan === undefined ? img : { ...img, plan };
}

function syntheticPlan(n: number): Plan {
  const batteryKw: Record<string, number[]> = {};
  const socPct: Record<string, number[]> = {};
  for (let i = 0; i < n; i++) {
    batteryKw[`bess-${i}`] = Array.from({ length: SLOTS }, (_, k) => (k < 32 ? 50 : -50));
    socPct[`bess-${i}`] = Array.from({ length: SLOTS }, (_, k) => 10 + (85 * ((k * 7) % SLOTS)) / SLOTS);
  }
  return { startMs: T0, slotS: 900, batteryKw, socPct, gridKw: Array.from({ length: SLOTS }, () => 40 * n), peakKw: 40 * n, status: 'optimal', violatedSlots: [], objective: 0, solveMs: 0 };
}

function percentile(sortedMs: readonly number[], p: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))] ?? NaN;
}

function timeCycles<S>(controller: Controller<S>, initial: S, image: ProcessImage, cycles: number): { p50: number; p99: number } {
  let state = initial;
  const ms: number[] = [];
  for (let i = 0; i < cycles + 20; i++) {
    const nowMs = T0 + 3_600_000 + i * 1000;
    const t = performance.now();
    state = controller(image, nowMs, state).state;
    if (i >= 20) ms.push(performance.now() - t); // the first 20 warm the JIT
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

export function benchControlCycle(): BenchFigure[] {
  const out: BenchFigure[] = [];
  for (const n of [1, 1000, 10_000]) {
    const cycles = n >= 10_000 ? 40 : n >= 1000 ? 300 : 3000;
    const image = imageOf(n, T0 + 3_600_000);
    const plan = syntheticPlan(n);
    const planned = { ...image, plan };
    const ps = timeCycles(peakShaving, initialPeakShavingState, image, cycles);
    const pf = timeCycles(createPlanFollowing(), initialPlanFollowingState, planned, cycles);
    const t = performance.now();
    imageOf(n, T0);
    const imageMs = performance.now() - t;
    const goal = n === 1000 ? '; goal p99 <= 50 ms' : '';
    out.push(
      { name: `cycle, 1 site × ${n} batteries: plan-following p50`, value: pf.p50, unit: 'ms', baseline: `peakShaving p50 ${ps.p50.toFixed(3)} ms` },
      { name: `cycle, 1 site × ${n} batteries: plan-following p99`, value: pf.p99, unit: 'ms', baseline: `peakShaving p99 ${ps.p99.toFixed(3)} ms; building the frozen image once: ${imageMs.toFixed(1)} ms${goal}` },
    );
  }
  return out;
}

/** The planner's LP over 96 quarter-hour slots, cost mode (prices + demand charge), n batteries. */
export async function benchPlanner(): Promise<BenchFigure[]> {
  const out: BenchFigure[] = [];
  let warm = false;
  for (const n of [1, 1, 20, 200]) {
    const batteries: PlanBattery[] = Array.from({ length: n }, (_, i) => ({
      id: `bess-${i}`,
      capacityKwh: 100 + 20 * (i % 10),
      socPct: 20 + (i % 60),
      minSocPct: 10,
      maxSocPct: 95,
      maxChargeKw: 50 + 5 * (i % 10),
      maxDischargeKw: 50 + 5 * (i % 10),
      chargeEfficiency: 0.95 - 0.005 * (i % 8),
      dischargeEfficiency: 0.95,
    }));
    // A day-shaped base load with a noon PV dip, ~60 kW per battery at its peak.
    const baseKw = Array.from({ length: SLOTS }, (_, k) => n * (35 + 25 * Math.sin((Math.PI * (k - 24)) / 48) ** 2 - 15 * Math.max(0, Math.sin((Math.PI * (k - 28)) / 40))));
    const importPricePerKwh = Array.from({ length: SLOTS }, (_, k) => (k < 32 || k >= 88 ? 0.3 : k >= 56 && k < 76 ? 1.3 : 0.7));
    const t = performance.now();
    const plan = await planSchedule({ startMs: T0, slotS: 900, baseKw, batteries, gridImportLimitKw: 80 * n, importPricePerKwh, exportPricePerKwh: 0.39, demandChargePerKw: 40 });
    const wallMs = performance.now() - t;
    // Same batteries and base, the test's peak-only reference LP: tells model size from solver speed.
    const ref = await minimumPeak({ startMs: T0, stepS: 900, baseKw, batteries, window: 'block', offsetMin: 480 });
    // The first solve of the process also compiles the WASM module: timed apart, not as the n = 1 figure.
    if (!warm) {
      warm = true;
      out.push({ name: 'planner LP, first solve of the process (WASM compile)', value: wallMs, unit: 'ms' });
      continue;
    }
    out.push({
      name: `planner LP, ${n} batteries × ${SLOTS} slots (${plan.status})`,
      value: wallMs,
      unit: 'ms',
      baseline: `HiGHS solve ${plan.solveMs.toFixed(0)} ms; reference peak-only LP ${ref.solveMs.toFixed(0)} ms${n === 200 ? '; goal <= 2,000 ms' : ''}`,
    });
  }
  return out;
}
