/**
 * The brain's figures (issue 6): control-cycle time, the LP planner's solve time, a 24 h replay,
 * and how close replayed peaks come to the least achievable one (test/helpers/optimum.ts),
 * beside a static-threshold controller (P = 85 %, R = 60 % of the uncontrolled peak) run on
 * the same scenarios in the same run. Targets are reported, never asserted.
 * The optimum knows no faults and no taper (it is a lower bound): an example with a battery
 * commLoss or a taper (factory) cannot reach 1.00 even with a perfect forecast.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile, type Scenario, type ScenarioForecast } from '../simulators/index.js';
import { replayScenario, type ReplayResult } from '../src/runtime/replay/index.js';
import { scenarioOptimum, type PeakOptimum } from '../test/helpers/optimum.js';
import { benchControlCycle, benchPlanner } from './brain-cycle.js';
import type { BenchFigure } from './figure.js';

const EXAMPLES = fileURLToPath(new URL('../simulators/scenario/examples/', import.meta.url));
const SLIDING = fileURLToPath(new URL('../test/fixtures/scenarios/unseen/cold-store-steps-sliding.yaml', import.meta.url));
/** district-50 (50 sites) takes minutes of replays and LPs: opt in with VPP_BENCH_DISTRICT=1. */
const WITH_DISTRICT = process.env.VPP_BENCH_DISTRICT === '1';

async function replay24h(): Promise<BenchFigure[]> {
  const s = loadScenarioFile(`${EXAMPLES}factory.yaml`);
  const perfect: Scenario = { ...s, forecast: { kind: 'perfect' } };
  const none = await replayScenario(perfect, { controller: 'none' });
  const plan = await replayScenario(perfect, { controller: 'plan' });
  return [
    {
      name: `replay factory ${s.durationS / 3600} h at ${s.stepS} s, plan (LP + MPC)`,
      value: plan.wallMs,
      unit: 'ms',
      baseline: `same replay, no controller: ${none.wallMs.toFixed(0)} ms; goal <= 1,000 ms`,
    },
  ];
}

/**
 * A sliding (滑差) demand window: the plan works at the physics step for its first hours
 * (src/runtime/replay/planning.ts); the quarter-hour plan before it reached 1.15× here.
 */
async function slidingWindow(): Promise<BenchFigure[]> {
  const s = loadScenarioFile(SLIDING);
  const optimum = await scenarioOptimum(s);
  const r = await replayScenario(s, { controller: 'plan' });
  const x = ratios(r, optimum, s);
  return [{ name: `${s.name} (sliding, ${s.stepS} s): peak/optimum, plan, perfect`, value: x.mean, unit: 'x', baseline: `replay ${r.wallMs} ms; quarter-hour plan before: 1.147; goal <= 1.01` }];
}

interface Ratios {
  readonly mean: number;
  readonly max: number;
  readonly sites: number;
}

/** Peak / optimum over the sites that have a battery (elsewhere both are the uncontrolled peak). */
function ratios(r: ReplayResult, optimum: ReadonlyMap<string, PeakOptimum>, s: Scenario): Ratios {
  const xs: number[] = [];
  for (const site of s.sites) {
    if (!site.assets.some((a) => a.kind === 'battery')) continue;
    const got = r.sites.find((x) => x.id === site.id)?.peakImportKw;
    const best = optimum.get(site.id)?.peakKw;
    if (got === undefined || best === undefined || !(best > 0)) throw new Error(`bench: no peak or optimum for site ${site.id} of ${s.name}`);
    xs.push(got / best);
  }
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs), sites: xs.length };
}

async function peakRatios(): Promise<BenchFigure[]> {
  const files = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .filter((f) => WITH_DISTRICT || !f.startsWith('district-50'))
    .sort();
  const out: BenchFigure[] = [];
  for (const f of files) {
    try {
      out.push(...(await ratioFigures(f)));
    } catch (err) {
      out.push({ name: `${f} FAILED: ${(err as Error).message}`, value: NaN, unit: '' });
    }
  }
  return out;
}

/** One example: plan with perfect and persistence forecasts, and the static threshold, against the optimum. */
async function ratioFigures(f: string): Promise<BenchFigure[]> {
  const out: BenchFigure[] = [];
  const s = loadScenarioFile(EXAMPLES + f);
  const optimum = await scenarioOptimum(s);
  const staticThreshold = Object.fromEntries(
    [...optimum].map(([id, o]) => [id, { dischargeAboveKw: 0.85 * o.uncontrolledPeakKw, rechargeBelowKw: 0.6 * o.uncontrolledPeakKw }]),
  );
  const forecasts: ScenarioForecast[] = [{ kind: 'perfect' }, { kind: 'persistence' }];
  const st = await replayScenario(s, { controller: 'static-threshold', staticThreshold });
  const stRatios = ratios(st, optimum, s);
  const across = `${s.name}, ${stRatios.sites} site(s) with a battery`;
  const rows: [string, Ratios][] = [];
  for (const forecast of forecasts) {
    try {
      const r = await replayScenario({ ...s, forecast }, { controller: 'plan' });
      rows.push([`plan, ${forecast.kind}`, ratios(r, optimum, s)]);
    } catch (err) {
      out.push({ name: `${across}: plan, ${forecast.kind} FAILED: ${(err as Error).message}`, value: NaN, unit: '' });
    }
  }
  for (const [what, x] of rows) {
    out.push({
      name: `${across}: peak/optimum, ${what}`,
      value: x.mean,
      unit: 'x',
      baseline: `max ${x.max.toFixed(3)}; static threshold 85/60 %: mean ${stRatios.mean.toFixed(3)}, max ${stRatios.max.toFixed(3)}${what.endsWith('perfect') ? '; goal <= 1.01' : ''}`,
    });
  }
  out.push({ name: `${across}: peak/optimum, static threshold 85/60 %`, value: stRatios.mean, unit: 'x', baseline: `max ${stRatios.max.toFixed(3)}` });
  return out;
}

/**
 * Every part runs even when another fails: a failed part shows as a NaN figure naming the error
 * (these are measurements of code under development; one bug should not hide the other figures).
 */
export async function benchBrain(): Promise<BenchFigure[]> {
  const parts: [string, () => BenchFigure[] | Promise<BenchFigure[]>][] = [
    ['control cycle', benchControlCycle],
    ['planner LP', benchPlanner],
    ['replay 24 h', replay24h],
    ['sliding window', slidingWindow],
    ['peak/optimum ratios', peakRatios],
  ];
  const out: BenchFigure[] = [];
  for (const [part, run] of parts) {
    try {
      out.push(...(await run()));
    } catch (err) {
      out.push({ name: `${part} FAILED: ${(err as Error).message}`, value: NaN, unit: '' });
    }
  }
  return out;
}
