/**
 * Shared by the adapter benchmarks (adapters.ts): one fixed measuring window after a warm-up,
 * and the way an adapter figure is set beside its raw baseline from the same run.
 */
export const HOST = '127.0.0.1';
export const WARMUP_MS = 250;
export const MEASURE_MS = 1000;
/** Two rounds show the spread and keep the suite near a minute on a loaded 2-core machine. */
export const ROUNDS = 2;
/** The issue's target: adapter overhead at most 20 % of the raw figure (reported, never asserted). */
export const GOAL_PCT = 20;

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a counter gained in one window, the window's length and the process CPU time it took. */
export interface Window {
  readonly count: number;
  readonly seconds: number;
  readonly cpuUs: number;
}

/**
 * Lets whatever feeds `count()` run for the warm-up, then measures a fixed window. The CPU
 * time is the whole process's (servers running in process included): only a comparison with
 * a baseline measured the same way means something.
 */
export async function measureWindow(count: () => number, warmupMs = WARMUP_MS, measureMs = MEASURE_MS): Promise<Window> {
  await delay(warmupMs);
  const n0 = count();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await delay(measureMs);
  const n = count() - n0;
  const cpu = process.cpuUsage(cpu0);
  return { count: n, seconds: (performance.now() - t0) / 1000, cpuUs: cpu.user + cpu.system };
}

/** Windows of several rounds taken together: count per second, and CPU µs per counted item. */
export function rateOf(ws: readonly Window[]): { readonly perS: number; readonly cpuUsPerItem: number } {
  const n = ws.reduce((a, w) => a + w.count, 0);
  const s = ws.reduce((a, w) => a + w.seconds, 0);
  const cpu = ws.reduce((a, w) => a + w.cpuUs, 0);
  return { perS: n / s, cpuUsPerItem: n > 0 ? cpu / n : Number.NaN };
}

/**
 * Runs `round` `rounds` times: raw and adapter windows alternate, so that load from other
 * processes on a shared machine hits both sides alike instead of whichever ran during it.
 */
export async function inRounds<T>(round: (i: number) => Promise<T>, rounds = ROUNDS): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < rounds; i++) out.push(await round(i));
  return out;
}

/** Bad readings are reported beside the figure rather than thrown: one timeout must not lose the suite. */
export function badNote(bad: number, what: string): string {
  return bad > 0 ? `; ${bad} bad readings (${what})` : '';
}

/** The spread of the per-round overheads, for the note: noisy machines show here. */
export function spread(pcts: readonly number[]): string {
  return `rounds ${pcts.map((p) => p.toFixed(0)).join(' / ')} %`;
}

/** A rate through the adapter against the raw rate: how far below it, in % of the raw figure. */
export function rateOverheadPct(adapterPerS: number, rawPerS: number): number {
  return ((rawPerS - adapterPerS) / rawPerS) * 100;
}

/** A cost (time, CPU) through the adapter against the raw cost: how much more, in % of the raw figure. */
export function costOverheadPct(adapterCost: number, rawCost: number): number {
  return ((adapterCost - rawCost) / rawCost) * 100;
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

/** The `baseline` text of a figure: the raw figure, the overhead and the goal. */
export function versus(raw: string, rawValue: number, unit: string, overheadPct: number, note?: string): string {
  const verdict = overheadPct <= GOAL_PCT ? 'within' : 'above';
  return `${raw}: ${fmt(rawValue)} ${unit}; overhead ${overheadPct.toFixed(1)} % (${verdict} goal <= ${GOAL_PCT} %)${note === undefined ? '' : `; ${note}`}`;
}
