import type { Static } from 'typebox';
import { Value } from 'typebox/value';
import { readCsvSeries } from './csv.js';
import type { Problems } from './problems.js';
import { EventSchema, type CarbonSchema, type TariffSchema } from './schema/index.js';
import { isoToMs, localTimeToMin } from './time.js';
import type { ScenarioCarbon, ScenarioEvent, ScenarioForecast, ScenarioTariff, TariffPeriod } from './types.js';

/** What every part of a scenario is checked against: the run's time window and the file's place. */
export interface BuildContext {
  readonly problems: Problems;
  /** Directory of the scenario file: relative paths start here. */
  readonly baseDir: string;
  /** NaN when `start` itself is invalid (checks that need it are then skipped). */
  readonly startMs: number;
  readonly endMs: number;
  readonly seed: number;
}

/**
 * stepS must divide 60 s, or be a multiple of 60 s that divides 900 s: then every minute (event
 * compliance) and every clock-aligned quarter hour (billing demand) holds a whole number of steps.
 */
export function checkStepS(stepS: number, durationS: number, problems: Problems): boolean {
  const whole = (x: number): boolean => Math.abs(x - Math.round(x)) < 1e-9;
  const ok = whole(60 / stepS) || (whole(stepS / 60) && whole(900 / stepS));
  if (!ok) {
    problems.add('stepS', 'must divide 60 s or be a multiple of 60 s that divides 900 s (so minutes and quarter hours hold whole steps)', stepS);
    return false;
  }
  if (!whole(durationS / stepS)) {
    problems.add('durationH', `must be a whole number of steps of ${stepS} s`, durationS / 3600);
    return false;
  }
  return true;
}

export function buildForecast(text: string, problems: Problems): ScenarioForecast | null {
  if (text === 'perfect' || text === 'persistence') return { kind: text };
  const m = /^noisy:(\d+(?:\.\d+)?)$/.exec(text);
  const pct = m === null ? NaN : Number(m[1]);
  if (Number.isFinite(pct) && pct > 0 && pct <= 100) return { kind: 'noisy', pct };
  problems.add('forecast', 'must be perfect, persistence or noisy:<pct> with 0 < pct <= 100, e.g. noisy:10', text);
  return null;
}

export function buildTariff(t: Static<typeof TariffSchema>, problems: Problems): ScenarioTariff | null {
  const before = problems.count;
  const periods: (TariffPeriod & { readonly i: number })[] = [];
  t.import.forEach((p, i) => {
    const fromMin = localTimeToMin(p.from);
    const toMin = localTimeToMin(p.to);
    if (fromMin === 1440) problems.add(`tariff.import[${i}].from`, 'must be before 24:00', p.from);
    else if (toMin <= fromMin) {
      problems.add(`tariff.import[${i}].to`, `must be after from (${p.from}); split a period that crosses midnight in two`, p.to);
    } else periods.push({ fromMin, toMin, pricePerKwh: p.pricePerKwh, i });
  });
  if (problems.count > before) return null;
  periods.sort((a, b) => a.fromMin - b.fromMin);
  let coveredTo = 0;
  const hhmm = (min: number): string => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
  for (const p of periods) {
    if (p.fromMin > coveredTo) problems.add('tariff.import', `must cover 00:00-24:00 without gaps: nothing covers ${hhmm(coveredTo)}-${hhmm(p.fromMin)}`, undefined, false);
    if (p.fromMin < coveredTo) problems.add(`tariff.import[${p.i}].from`, `overlaps an earlier period that runs to ${hhmm(coveredTo)}`, hhmm(p.fromMin));
    coveredTo = Math.max(coveredTo, p.toMin);
  }
  if (coveredTo < 1440) problems.add('tariff.import', `must cover 00:00-24:00 without gaps: nothing covers ${hhmm(coveredTo)}-24:00`, undefined, false);
  if (problems.count > before) return null;
  return {
    import: periods.map(({ fromMin, toMin, pricePerKwh }) => ({ fromMin, toMin, pricePerKwh })),
    ...(t.exportPricePerKwh !== undefined ? { exportPricePerKwh: t.exportPricePerKwh } : {}),
    ...(t.demandChargePerKw !== undefined ? { demandChargePerKw: t.demandChargePerKw } : {}),
    demandWindow: t.demandWindow ?? 'block',
  };
}

export function buildCarbon(c: Static<typeof CarbonSchema>, ctx: BuildContext): ScenarioCarbon | null {
  const { problems } = ctx;
  if ((c.gridKgPerKwh === undefined) === (c.csv === undefined)) {
    problems.add('carbon', 'must give exactly one of gridKgPerKwh or csv', c);
    return null;
  }
  if (c.gridKgPerKwh !== undefined) return { kind: 'constant', gridKgPerKwh: c.gridKgPerKwh };
  if (c.csv === undefined || !Number.isFinite(ctx.startMs)) return null;
  const s = readCsvSeries({ path: c.csv, baseDir: ctx.baseDir, column: 'kgPerKwh', min: 0, startMs: ctx.startMs, field: 'carbon.csv' }, problems);
  return s === null ? null : { kind: 'series', csv: s.file, points: s.points.map((p) => ({ atMs: p.atMs, kgPerKwh: p.value })) };
}

export function buildEvents(raw: readonly unknown[], siteIds: ReadonlySet<string>, ctx: BuildContext): ScenarioEvent[] {
  const { problems } = ctx;
  const out: ScenarioEvent[] = [];
  const ids = new Map<string, number>();
  raw.forEach((e, i) => {
    const f = `events[${i}]`;
    if (!Value.Check(EventSchema, e)) return; // reported by the top-level schema
    const first = ids.get(e.id);
    if (first !== undefined) problems.add(`${f}.id`, `must be unique (also events[${first}])`, e.id);
    else ids.set(e.id, i);
    e.sites.forEach((s, j) => {
      if (!siteIds.has(s)) problems.add(`${f}.sites[${j}]`, 'must name a site of this scenario', s);
    });
    const startMs = isoToMs(e.start);
    if (!Number.isFinite(startMs)) return problems.add(`${f}.start`, 'is not a valid date', e.start);
    const endMs = startMs + e.durationMin * 60_000;
    if (Number.isFinite(ctx.startMs) && (startMs < ctx.startMs || endMs > ctx.endMs)) {
      problems.add(f, `must lie inside the scenario (${new Date(ctx.startMs).toISOString()} to ${new Date(ctx.endMs).toISOString()})`, `${e.start} for ${e.durationMin} min`);
      return;
    }
    out.push({ id: e.id, siteIds: e.sites, type: e.type, valueKw: e.valueKw, startMs, endMs });
  });
  return out;
}
