import highsImport, { type Highs } from 'highs';
import { buildSites, type Scenario } from '../../simulators/index.js';

/**
 * The reference optimum of issue 6, written apart from src/schedule on purpose: the least
 * achievable billing peak of one site under the CONTRACTS.md physics with perfect foresight,
 * batteries as the only flexibility and no end-of-day SoC constraint, at the scenario's own step.
 *
 * LP (per step k, battery b; dtH = stepS / 3600):
 *   0 ≤ c[b,k] ≤ maxChargeKw, 0 ≤ d[b,k] ≤ maxDischargeKw, minKwh ≤ s[b,k] ≤ maxKwh
 *   s[b,k] = s[b,k-1] + (ηc·c[b,k] − d[b,k]/ηd)·dtH            (s[b,-1] = the start SoC)
 *   g⁺[k] ≥ base[k] + Σb (c[b,k] − d[b,k]),  g⁺[k] ≥ 0
 *   every demand window w:  Σk overlapS(w,k)·g⁺[k] ≤ 900 s · P      minimise P
 * The meter books each step's mean as import or export, so a window's demand is the mean of
 * max(step mean, 0); g⁺ ≥ both is exact because P only bounds g⁺ from above (an optimum may
 * always lower g⁺ to max(g, 0)). Simultaneous charge and discharge is allowed: it only wastes
 * energy, so the LP stays a relaxation of anything the simulators can do (ramps, delays and the
 * taper only remove options), hence a true lower bound for a replayed peak.
 * DR import caps are NOT part of it (the contract's optimum ignores them); `importCapKw` adds
 * them as hard limits on each step's mean, only to check a scenario's event is keepable.
 * A quarter the scenario covers only in part counts its energy over a full 900 s.
 */
export type DemandWindowKind = 'block' | 'sliding';

export interface OptimumBattery {
  readonly id: string;
  readonly capacityKwh: number;
  readonly socPct: number;
  readonly minSocPct: number;
  readonly maxSocPct: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
}

export interface PeakProblem {
  readonly startMs: number;
  readonly stepS: number;
  /** Mean grid power of each step without batteries (load convention), kW. */
  readonly baseKw: readonly number[];
  readonly batteries: readonly OptimumBattery[];
  readonly window: DemandWindowKind;
  /** Quarter hours align to :00/:15/:30/:45 in this offset (minutes east of UTC). */
  readonly offsetMin: number;
  /** Optional per-step hard cap on the step's mean import (DR events); null = none. */
  readonly importCapKw?: readonly (number | null)[];
}

export interface PeakOptimum {
  /** Least achievable peak demand, kW. */
  readonly peakKw: number;
  /** The same measure of baseKw alone (batteries idle), kW. */
  readonly uncontrolledPeakKw: number;
  /** Battery power per step at the optimum (load convention), by id. */
  readonly batteryKw: Readonly<Record<string, number[]>>;
  readonly solveMs: number;
}

/** One demand window: the steps it overlaps and by how many seconds. */
export interface DemandWindow {
  readonly startMs: number;
  readonly steps: readonly (readonly [step: number, overlapS: number])[];
}

const WINDOW_MS = 900_000;
const MINUTE_MS = 60_000;

/** Block: every clock-aligned quarter hour touching the run; sliding: every whole 15 min starting on a minute. */
export function demandWindows(startMs: number, stepS: number, steps: number, kind: DemandWindowKind, offsetMin: number): DemandWindow[] {
  const stepMs = stepS * 1000;
  const endMs = startMs + steps * stepMs;
  const offMs = offsetMin * MINUTE_MS;
  const starts: number[] = [];
  if (kind === 'block') {
    for (let t = Math.floor((startMs + offMs) / WINDOW_MS) * WINDOW_MS - offMs; t < endMs; t += WINDOW_MS) starts.push(t);
  } else {
    for (let t = Math.ceil(startMs / MINUTE_MS) * MINUTE_MS; t + WINDOW_MS <= endMs; t += MINUTE_MS) starts.push(t);
  }
  return starts.map((ws) => {
    const we = ws + WINDOW_MS;
    const out: [number, number][] = [];
    const first = Math.max(0, Math.floor((ws - startMs) / stepMs));
    for (let k = first; k < steps && startMs + k * stepMs < we; k++) {
      const overlapMs = Math.min(we, startMs + (k + 1) * stepMs) - Math.max(ws, startMs + k * stepMs);
      if (overlapMs > 0) out.push([k, overlapMs / 1000]);
    }
    return { startMs: ws, steps: out };
  });
}

/** Largest window mean of max(step mean, 0), kW: the billing peak of a stepped grid series. */
export function peakOfSeries(gridKw: readonly number[], windows: readonly DemandWindow[]): number {
  let peak = 0;
  for (const w of windows) {
    let e = 0;
    for (const [k, s] of w.steps) e += Math.max(0, gridKw[k] ?? NaN) * s;
    peak = Math.max(peak, e / (WINDOW_MS / 1000));
  }
  return peak;
}

// highs types itself as CommonJS (tsc NodeNext: the default import is module.exports) while Node
// loads its ESM build (the default import is the loader): take the loader under either reading.
type HighsLoader = typeof highsImport.default;
const loadHighs: HighsLoader = typeof highsImport === 'function' ? (highsImport as HighsLoader) : highsImport.default;
let solver: Promise<Highs> | null = null;

const num = (x: number): string => {
  if (!Number.isFinite(x)) throw new Error(`optimum: LP coefficient must be finite, got ${x}`);
  return x.toPrecision(17);
};

/** Solves the LP above. Throws when HiGHS does not prove an optimum. */
export async function minimumPeak(p: PeakProblem): Promise<PeakOptimum> {
  const n = p.baseKw.length;
  p.baseKw.forEach((v, k) => {
    if (!Number.isFinite(v)) throw new Error(`optimum: baseKw[${k}] must be finite, got ${v}`);
  });
  const windows = demandWindows(p.startMs, p.stepS, n, p.window, p.offsetMin);
  const dtH = p.stepS / 3600;
  const rows: string[] = [];
  const bounds: string[] = [];
  p.batteries.forEach((b, i) => {
    const lo = (b.minSocPct / 100) * b.capacityKwh;
    const hi = (b.maxSocPct / 100) * b.capacityKwh;
    const s0 = (b.socPct / 100) * b.capacityKwh;
    for (let k = 0; k < n; k++) {
      const prev = k === 0 ? '' : ` - s_${i}_${k - 1}`;
      rows.push(` soc_${i}_${k}: s_${i}_${k}${prev} - ${num(b.chargeEfficiency * dtH)} c_${i}_${k} + ${num(dtH / b.dischargeEfficiency)} d_${i}_${k} = ${num(k === 0 ? s0 : 0)}`);
      bounds.push(` 0 <= c_${i}_${k} <= ${num(b.maxChargeKw)}`, ` 0 <= d_${i}_${k} <= ${num(b.maxDischargeKw)}`, ` ${num(lo)} <= s_${i}_${k} <= ${num(hi)}`);
    }
  });
  const charge = (k: number): string => p.batteries.map((_, i) => ` + c_${i}_${k} - d_${i}_${k}`).join('');
  const relief = (k: number): string => p.batteries.map((_, i) => ` - c_${i}_${k} + d_${i}_${k}`).join('');
  for (let k = 0; k < n; k++) {
    rows.push(` imp_${k}: gp_${k}${relief(k)} >= ${num(p.baseKw[k] ?? NaN)}`);
    const cap = p.importCapKw?.[k];
    if (cap !== undefined && cap !== null && p.batteries.length > 0) rows.push(` cap_${k}:${charge(k)} <= ${num(cap - (p.baseKw[k] ?? NaN))}`);
  }
  windows.forEach((w, j) => {
    // Coefficients in minutes keep them near 1 (the LP is then well scaled for 1..900 s steps).
    const terms = w.steps.map(([k, s]) => ` + ${num(s / 60)} gp_${k}`).join('');
    rows.push(` win_${j}:${terms} - 15 pk <= 0`);
  });
  const lp = ['Minimize', ' obj: pk', 'Subject To', ...rows, 'Bounds', ...bounds, 'End'].join('\n');
  solver ??= loadHighs();
  const highs = await solver;
  const t0 = performance.now();
  const sol = highs.solve(lp, { primal_feasibility_tolerance: 1e-10, dual_feasibility_tolerance: 1e-10, output_flag: false });
  const solveMs = performance.now() - t0;
  if (sol.Status !== 'Optimal') throw new Error(`optimum: HiGHS ended with status ${sol.Status} (${n} steps, ${p.batteries.length} batteries)`);
  const col = (name: string): number => {
    const c = sol.Columns[name];
    if (c === undefined || !('Primal' in c)) throw new Error(`optimum: HiGHS returned no value for column ${name}`);
    return c.Primal;
  };
  const batteryKw: Record<string, number[]> = {};
  p.batteries.forEach((b, i) => {
    batteryKw[b.id] = Array.from({ length: n }, (_, k) => col(`c_${i}_${k}`) - col(`d_${i}_${k}`));
  });
  return { peakKw: sol.ObjectiveValue, uncontrolledPeakKw: peakOfSeries(p.baseKw, windows), batteryKw, solveMs };
}

/** Per site: the mean grid power of each step with every battery idle (uncontrolled physics). */
export function uncontrolledBaseKw(s: Scenario): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const site of buildSites(s)) {
    const base: number[] = [];
    for (let k = 0; k < s.steps; k++) {
      site.physics.step(s.stepS);
      // The meter books the sum of every model's step mean: the exact mean grid power of the step.
      base.push(site.physics.meter.lastStepGridKw());
    }
    out.set(site.spec.id, base);
  }
  return out;
}

/** The reference optimum of every site of a scenario, by site id. */
export async function scenarioOptimum(s: Scenario, opts: { readonly withEventCaps?: boolean } = {}): Promise<Map<string, PeakOptimum>> {
  const bases = uncontrolledBaseKw(s);
  const out = new Map<string, PeakOptimum>();
  for (const site of s.sites) {
    const batteries: OptimumBattery[] = site.assets.flatMap((a) => (a.kind === 'battery' ? [a] : []));
    const baseKw = bases.get(site.id) ?? [];
    const importCapKw = opts.withEventCaps === true ? eventCaps(s, site.id) : undefined;
    out.set(site.id, await minimumPeak({ startMs: s.startMs, stepS: s.stepS, baseKw, batteries, window: s.tariff?.demandWindow ?? 'block', offsetMin: s.startOffsetMin, ...(importCapKw ? { importCapKw } : {}) }));
  }
  return out;
}

/** Per step: the lowest IMPORT_CAPACITY_LIMIT of the site's events covering the step, or null. */
function eventCaps(s: Scenario, siteId: string): (number | null)[] {
  return Array.from({ length: s.steps }, (_, k) => {
    const t0 = s.startMs + k * s.stepS * 1000;
    const t1 = t0 + s.stepS * 1000;
    const caps = s.events.filter((e) => e.type === 'IMPORT_CAPACITY_LIMIT' && e.siteIds.includes(siteId) && e.startMs < t1 && e.endMs > t0).map((e) => e.valueKw);
    return caps.length > 0 ? Math.min(...caps) : null;
  });
}
