import { buildSites, deriveSeed, hashUnit, type Scenario } from '../../../simulators/index.js';

const DAY_MS = 86_400_000;
const QUARTER_MS = 900_000;

/** A stepped series of step means: value i holds over [startMs + i·stepS, … + stepS). */
export interface StepSeries {
  readonly startMs: number;
  readonly stepS: number;
  readonly valuesKw: readonly number[];
}

/** What the uncontrolled run gives per site: grid step means, and the meter's energy registers. */
export interface UncontrolledSite {
  readonly gridKw: number[];
  readonly importKwh: number;
  readonly exportKwh: number;
}

/**
 * The counterfactual: every site stepped with no controller at all, so batteries stay idle,
 * HVAC runs on its own thermostat and EVs charge at full power from arrival (the models'
 * uncommanded behaviour, CONTRACTS.md). Batteries being the only flexibility, its grid is
 * also the grid power *without* batteries: the perfect forecast of the base the plan works on.
 */
export function runUncontrolled(s: Scenario): Map<string, UncontrolledSite> {
  const built = buildSites(s);
  const gridKw = built.map(() => [] as number[]);
  for (let i = 0; i < s.steps; i++) {
    built.forEach((b, j) => {
      b.physics.step(s.stepS);
      gridKw[j]?.push(b.physics.meter.lastStepGridKw());
    });
  }
  return new Map(
    built.map((b, j) => [b.spec.id, { gridKw: gridKw[j] ?? [], importKwh: b.physics.meter.energyImportKwh(), exportKwh: b.physics.meter.energyExportKwh() }]),
  );
}

/**
 * The base-power forecast per site over the run, as the scenario's `forecast` says:
 * - perfect: the uncontrolled run itself;
 * - persistence: the same time yesterday (the uncontrolled physics run over the day before the
 *   start, then the run's own past once it is more than a day old);
 * - noisy:<pct>: the perfect one times (1 ± pct %), the error seeded per site and quarter hour
 *   (a forecast is wrong for a while, not independently every minute).
 */
export function forecastBase(s: Scenario, uncontrolled: ReadonlyMap<string, UncontrolledSite>): Map<string, StepSeries> {
  const out = new Map<string, StepSeries>();
  const f = s.forecast;
  if (f.kind === 'persistence') {
    const stepsPerDay = Math.round(DAY_MS / (s.stepS * 1000));
    const yesterday = runUncontrolled({ ...s, startMs: s.startMs - DAY_MS, endMs: s.startMs, durationS: DAY_MS / 1000, steps: stepsPerDay, events: [], faults: [] });
    for (const [id, u] of uncontrolled) {
      const before = yesterday.get(id)?.gridKw ?? [];
      const valuesKw = u.gridKw.map((_, i) => (i < stepsPerDay ? before[i] : u.gridKw[i - stepsPerDay]) ?? NaN);
      out.set(id, { startMs: s.startMs, stepS: s.stepS, valuesKw });
    }
    return out;
  }
  for (const [id, u] of uncontrolled) {
    if (f.kind === 'perfect') {
      out.set(id, { startMs: s.startMs, stepS: s.stepS, valuesKw: u.gridKw });
      continue;
    }
    const seed = deriveSeed(s.seed, `forecast:${id}`);
    const valuesKw = u.gridKw.map((v, i) => {
      const quarter = Math.floor((s.startMs + i * s.stepS * 1000) / QUARTER_MS);
      return v * (1 + (f.pct / 100) * (2 * hashUnit(seed, quarter) - 1));
    });
    out.set(id, { startMs: s.startMs, stepS: s.stepS, valuesKw });
  }
  return out;
}

/** Signed mean of a step series over [fromMs, toMs) clipped to it; NaN when nothing overlaps. */
export function meanOver(series: StepSeries, fromMs: number, toMs: number): number {
  const stepMs = series.stepS * 1000;
  const endMs = series.startMs + series.valuesKw.length * stepMs;
  const a = Math.max(fromMs, series.startMs);
  const b = Math.min(toMs, endMs);
  if (!(b > a)) return NaN;
  let sum = 0;
  for (let i = Math.floor((a - series.startMs) / stepMs); i < series.valuesKw.length; i++) {
    const s0 = series.startMs + i * stepMs;
    if (s0 >= b) break;
    const overlap = Math.min(b, s0 + stepMs) - Math.max(a, s0);
    if (overlap > 0) sum += (series.valuesKw[i] ?? NaN) * overlap;
  }
  return sum / (b - a);
}
