/**
 * The live planner off the control loop's thread (issue 7, the dr-event-loop flake): how late a
 * timer on the main thread fires while two sites re-plan at once, as they do when an event
 * starts. The probe ticks every PROBE_MS (a tenth of the 1 s control cycle, so a stall shows
 * wherever it falls); a tick's lateness is what the control cycle would see if it fell due
 * then. Before: HiGHS on the main thread (inProcessSolver, what the live planner did); after:
 * its worker thread (the default). Same sites, store and rounds, same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ConfiguredSite } from '../src/config/index.js';
import { summariseSite } from '../src/core/index.js';
import type { AssetState, DrSignal, Reading, SiteState } from '../src/domain/index.js';
import { createLivePlanner } from '../src/runtime/live-planner.js';
import { silentLogger } from '../src/runtime/index.js';
import { inProcessSolver, type PlanSolver } from '../src/runtime/planner-worker-client.js';
import { openStore, type TimeSeriesStore } from '../src/store/index.js';

const PROBE_MS = 100;
const ROUNDS = Number(process.env.VPP_BENCH_REPLAN_ROUNDS ?? '10');
const T0 = Date.parse('2025-07-15T10:50:00+08:00');

const site = (id: string, batteries: number): string => `
  - id: ${id}
    timezone: Asia/Shanghai
    gridImportLimitKw: 600
    tariff:
      import: [{from: "00:00", to: "08:00", pricePerKwh: 0.3}, {from: "08:00", to: "22:00", pricePerKwh: 1.1}, {from: "22:00", to: "24:00", pricePerKwh: 0.3}]
      demandChargePerKw: 40
    location: {latDeg: 31.23, lonDeg: 121.47}
    forecast: {load: {bdew: g25, annualKwh: 1500000}}
    assets:
      - {id: ${id}-grid, type: meter, binding: modbus://127.0.0.1:1502/1}
      - {id: ${id}-roof, type: pv, kwp: 200, binding: modbus://127.0.0.1:1502/2}
${Array.from({ length: batteries }, (_, b) => `      - {id: ${id}-bess-${b}, type: battery, capacityKwh: ${200 + 50 * b}, maxChargeKw: ${100 + 10 * b}, maxDischargeKw: ${100 + 10 * b}, binding: modbus://127.0.0.1:1502/${b + 3}}`).join('\n')}`;

function stateOf(cs: ConfiguredSite, atMs: number): SiteState {
  const good = (value: number): Reading => ({ value, quality: 'good', atMs });
  const assets: Record<string, AssetState> = {};
  for (const a of cs.site.assets) {
    const readings = a.kind === 'battery' ? { powerKw: good(0), socPct: good(55) } : { powerKw: good(a.kind === 'pv' ? -80 : 300) };
    assets[a.id] = { assetId: a.id, kind: a.kind, readings, available: true };
  }
  return summariseSite(cs.site, assets, atMs);
}

export interface Lateness {
  /** Every probe tick's lateness, ms, ascending. */
  readonly lateMs: readonly number[];
  /** Mean wall time of one round (both sites re-planned), ms. */
  readonly replanMs: number;
}

/** ROUNDS rounds of both sites re-planning (a new DR signal each round) under the probe timer. */
/** `solver` undefined: the live planner's default, its own worker thread. */
async function lateness(sites: readonly ConfiguredSite[], store: TimeSeriesStore, solver: PlanSolver | undefined): Promise<Lateness> {
  let signals: DrSignal[] = [];
  const planner = createLivePlanner({ sites, store, log: silentLogger(), historyFromMs: T0 - 40 * 86_400_000, signals: () => signals, ...(solver !== undefined ? { solver } : {}) });
  const replan = async (round: number) => {
    signals = [{ type: 'PRICE', pricePerKwh: 2 + round, eventId: `round-${round}` }];
    for (const cs of sites) planner.planFor(cs.site, stateOf(cs, T0), T0);
    await planner.settled();
  };
  await replan(-1); // warm: WASM compile, worker start, first queries
  const late: number[] = [];
  let due = performance.now() + PROBE_MS;
  const probe = setInterval(() => {
    const now = performance.now();
    late.push(Math.max(0, now - due));
    due = now + PROBE_MS;
  }, PROBE_MS);
  const t0 = performance.now();
  try {
    for (let r = 0; r < ROUNDS; r++) {
      await replan(r);
      await new Promise((res) => setTimeout(res, 2 * PROBE_MS)); // ticks between rounds
    }
  } finally {
    clearInterval(probe);
    await planner.close();
  }
  const replanMs = (performance.now() - t0 - ROUNDS * 2 * PROBE_MS) / ROUNDS;
  return { lateMs: late.sort((a, b) => a - b), replanMs };
}

/** The same rounds with HiGHS on the main thread (before) and in the planner's worker (after). */
export async function measureReplanLateness(): Promise<{ before: Lateness; after: Lateness; what: string }> {
  const batteries = Number(process.env.VPP_BENCH_REPLAN_BATTERIES ?? '3');
  const cfg = parseConfig(`sites:${site('plant-a', batteries)}${site('plant-b', batteries)}\n`, 'bench-replan.yaml');
  const dir = mkdtempSync(join(tmpdir(), 'vpp-bench-replan-'));
  const store = await openStore({ kind: 'sqlite', dataDir: dir });
  try {
    const before = await lateness(cfg.sites, store, inProcessSolver);
    const after = await lateness(cfg.sites, store, undefined);
    return { before, after, what: `2 sites × ${batteries} batteries re-planning, ${ROUNDS} rounds, ${PROBE_MS} ms probe` };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
