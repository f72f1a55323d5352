/**
 * Planner figures (issue 6): planSchedule for 1, 20 and 200 batteries × 96 quarter hours, the
 * median of a few runs, HiGHS's share (solve) apart from building the model and reading the
 * plan back (build). Goal from the issue: ≤ 2 s at 200 batteries (reported, not asserted).
 * CPU ms beside wall ms: on a shared machine the wall time also measures the neighbours.
 */
import { pathToFileURL } from 'node:url';
import { planSchedule, type PlanBattery, type PlanInput } from '../src/schedule/index.js';
import type { BenchFigure } from './figure.js';

const SLOTS = 96;
const SIZES: ReadonlyArray<readonly [batteries: number, runs: number]> = [[1, 7], [20, 5], [200, 3]];

/** A factory day per battery (so the LP scales with the fleet): night base, day peak, some PV dip. */
function dayInput(batteries: number, withPrices: boolean): PlanInput {
  const fleet: PlanBattery[] = Array.from({ length: batteries }, (_, i) => ({
    id: `bess-${i}`,
    // Unequal units on purpose: identical ones would let presolve merge columns.
    capacityKwh: 400 + (i % 7) * 50,
    socPct: 30 + (i % 5) * 10,
    minSocPct: 10,
    maxSocPct: 95,
    maxChargeKw: 200 + (i % 3) * 25,
    maxDischargeKw: 200 + (i % 3) * 25,
    chargeEfficiency: 0.95,
    dischargeEfficiency: 0.94 + (i % 4) * 0.01,
  }));
  const baseKw = Array.from({ length: SLOTS }, (_, t) => batteries * (350 + 250 * Math.sin(((t - 24) / SLOTS) * 2 * Math.PI) + 40 * Math.sin(t * 1.7)));
  return {
    startMs: Date.parse('2025-07-15T00:00:00+08:00'),
    slotS: 900,
    baseKw,
    batteries: fleet,
    gridImportLimitKw: batteries * 800,
    ...(withPrices ? { importPricePerKwh: baseKw.map((_, t) => (t >= 32 && t < 88 ? 1.1 : 0.3)), exportPricePerKwh: 0.35, demandChargePerKw: 40 } : {}),
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function timePlans(batteries: number, runs: number, withPrices: boolean): Promise<BenchFigure[]> {
  const input = dayInput(batteries, withPrices);
  await planSchedule(dayInput(1, withPrices)); // loads and compiles the WASM module outside the timing
  const wall: number[] = [];
  const solve: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const plan = await planSchedule(input);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    solve.push(plan.solveMs);
  }
  const what = `${batteries} ${batteries === 1 ? 'battery' : 'batteries'} × ${SLOTS} slots, ${withPrices ? 'TOU + demand charge' : 'least peak'}`;
  const runsNote = `median of ${runs}`;
  const build = wall.map((w, i) => w - (solve[i] ?? NaN));
  const goal = batteries === 200 ? '; goal ≤ 2,000 ms' : '';
  return [
    { name: `plan ${what}: total`, value: median(wall), unit: 'ms wall', baseline: `${runsNote}${goal}` },
    { name: `plan ${what}: HiGHS solve`, value: median(solve), unit: 'ms wall', baseline: runsNote },
    { name: `plan ${what}: model build + read back`, value: median(build), unit: 'ms wall', baseline: runsNote },
    { name: `plan ${what}: total CPU`, value: median(cpu), unit: 'ms CPU', baseline: 'this process only' },
  ];
}

export async function benchSchedule(): Promise<BenchFigure[]> {
  const out: BenchFigure[] = [];
  for (const withPrices of [true, false]) {
    for (const [batteries, runs] of SIZES) out.push(...(await timePlans(batteries, runs, withPrices)));
  }
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const f of await benchSchedule()) console.log(`${f.name}: ${f.value.toFixed(1)} ${f.unit}${f.baseline !== undefined ? ` (${f.baseline})` : ''}`);
}
