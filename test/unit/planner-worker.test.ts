import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { VppError } from '../../src/domain/index.js';
import { createWorkerSolver, inProcessSolver, type PlanSolver } from '../../src/runtime/planner-worker-client.js';
import type { PlanBattery, PlanInput } from '../../src/schedule/index.js';

/**
 * The live planner's solver thread (src/runtime/planner-worker*.ts) with real HiGHS solves: the
 * same plan as on the main thread, a main thread that keeps turning while it solves, and
 * failures that come back as errors and leave a working solver behind.
 */

/** A day of quarter hours with prices and a demand charge over a few distinct batteries: a solve of 100s of ms. */
function input(n: number): PlanInput {
  const batteries: PlanBattery[] = Array.from({ length: n }, (_, i) => ({
    id: `bess-${i}`,
    capacityKwh: 100 + 20 * i,
    socPct: 20 + 7 * i,
    minSocPct: 10,
    maxSocPct: 95,
    maxChargeKw: 50 + 5 * i,
    maxDischargeKw: 50 + 5 * i,
    chargeEfficiency: 0.95 - 0.005 * i,
    dischargeEfficiency: 0.95,
  }));
  const baseKw = Array.from({ length: 96 }, (_, k) => n * (35 + 25 * Math.sin((Math.PI * (k - 24)) / 48) ** 2));
  const importPricePerKwh = baseKw.map((_, k) => (k < 32 || k >= 88 ? 0.3 : k >= 56 && k < 76 ? 1.3 : 0.7));
  return { startMs: Date.parse('2025-07-15T00:00:00+08:00'), slotS: 900, baseKw, batteries, gridImportLimitKw: 80 * n, importPricePerKwh, demandChargePerKw: 40 };
}

/** Solves while a 5 ms timer runs on this thread: how often it fired before the plan came back. */
async function ticksWhileSolving(solver: PlanSolver, given: PlanInput) {
  let ticks = 0;
  const timer = setInterval(() => void ticks++, 5);
  try {
    const plan = await solver.solve(given);
    return { plan, ticks };
  } finally {
    clearInterval(timer);
  }
}

let solvers: PlanSolver[] = [];
let logs: Array<Record<string, unknown>> = [];
const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
const solver = (timeoutMs?: number): PlanSolver => {
  const s = createWorkerSolver({ log, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  solvers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(solvers.map((s) => s.close()));
  solvers = [];
  logs = [];
});

describe('planner worker', () => {
  it('makes the same plan as the main thread, and this thread keeps turning while it solves (on the main thread it cannot)', async () => {
    const given = input(6);
    // Warm both: the WASM compile (and the worker's start) are not the solve.
    const worker = solver();
    await worker.solve(given);
    await inProcessSolver.solve(given);

    const here = await ticksWhileSolving(inProcessSolver, given);
    const there = await ticksWhileSolving(worker, given);
    // HiGHS runs synchronously: on this thread no timer can fire between the call and the plan.
    expect(here.ticks).toBe(0);
    // In the worker the same solve leaves this thread free: the timer fires all along.
    expect(there.ticks, `solve ${there.plan.solveMs.toFixed(0)} ms`).toBeGreaterThanOrEqual(3);
    // The plan crossed as plain data, whole.
    expect(there.plan.status).toBe(here.plan.status);
    expect(there.plan.objective).toBeCloseTo(here.plan.objective, 6);
    expect(Object.keys(there.plan.batteryKw)).toEqual(given.batteries.map((b) => b.id));
    expect(there.plan.gridKw).toHaveLength(96);
    there.plan.gridKw.forEach((g, t) => expect(g).toBeCloseTo(here.plan.gridKw[t] ?? NaN, 6));
  }, 60_000);

  it("reports bad input as the schedule's error naming the field, and keeps serving", async () => {
    const worker = solver();
    const err: unknown = await worker.solve({ ...input(1), slotS: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VppError);
    expect(err).toMatchObject({ code: 'SCHEDULE_INVALID_INPUT', message: expect.stringMatching(/PlanInput\.slotS/) as unknown });
    expect((await worker.solve(input(1))).status).toBe('optimal');
    expect(logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('planner worker'))).toEqual([]);
  }, 60_000);

  it('replaces a worker whose solve failed unexpectedly; the next plan is made by a fresh one', async () => {
    const worker = solver();
    // Not a PlanInput at all: the worker throws a TypeError, not the schedule's checked error.
    const err: unknown = await worker.solve(null as unknown as PlanInput).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLANNER_WORKER_FAILED' });
    expect(logs.map((l) => l.msg)).toContain('planner worker replaced after a failed solve');
    expect((await worker.solve(input(1))).status).toBe('optimal');
  }, 60_000);

  it('fails a solve that outlives its timeout, and fails every solve once closed', async () => {
    const impatient = solver(1);
    const err: unknown = await impatient.solve(input(1)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLANNER_WORKER_TIMEOUT', message: expect.stringMatching(/no plan after 1 ms/) as unknown });
    expect(logs.find((l) => l.msg === 'planner worker failed; a new one starts with the next plan')).toBeDefined();
    const worker = solver();
    const pending = worker.solve(input(1)).catch((e: unknown) => e);
    await worker.close();
    expect(await pending).toMatchObject({ code: 'PLANNER_WORKER_CLOSED' });
    expect(await worker.solve(input(1)).catch((e: unknown) => e)).toMatchObject({ code: 'PLANNER_WORKER_CLOSED' });
  }, 60_000);
});
