import { addSums, emptySums, type EnergyBlock, type EnergySums, type EnergyWindow } from './energy-integrate.js';
import { addDays, localDate, wallTimeToMs } from './zone.js';
import { finite, invalidInput } from './validate.js';

/** One row of the report: a local day, a local month, or the whole range. */
export interface EnergyRow {
  /** `YYYY-MM-DD`, `YYYY-MM` (site local time) or `total`. */
  readonly period: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly importKwh: number;
  readonly exportKwh: number;
  readonly pvKwh: number;
  readonly selfConsumedPvKwh: number;
  readonly loadKwh: number;
  /** Self-consumed PV ÷ consumption, over the instants both are known; null without consumption. */
  readonly renewableSharePct: number | null;
  /** Import × the factor in force; null when no carbon factor is configured. Export is not credited. */
  readonly co2Kg: number | null;
  readonly co2UnfactoredImportKwh: number;
  /** Largest clock-aligned 15-min mean import (blocks at least half covered by good data). */
  readonly peakImportKw: number | null;
  /** The same with the batteries idle (grid − battery): what the site would have drawn uncontrolled. */
  readonly uncontrolledPeakImportKw: number | null;
  readonly peakReductionKw: number | null;
  /** Share of the row's time with a good grid value, 0..100. */
  readonly coveragePct: number;
}

/** A site's integration of one local day (from integrateEnergy over that day). */
export interface SiteDay {
  readonly date: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly window: EnergyWindow;
}

export interface SiteEnergyInput {
  readonly siteId: string;
  readonly days: readonly SiteDay[];
  /** False: no carbon factor configured, co2Kg is null. */
  readonly hasCarbon: boolean;
}

export interface SiteEnergyReport {
  readonly siteId: string;
  readonly days: readonly EnergyRow[];
  readonly months: readonly EnergyRow[];
  readonly total: EnergyRow;
}

/** The local days [fromMs, toMs) touches in `timezone`, each cut to the range. */
export function localDays(fromMs: number, toMs: number, timezone: string): { date: string; fromMs: number; toMs: number }[] {
  finite('fromMs', fromMs);
  if (!(finite('toMs', toMs) > fromMs)) throw invalidInput('toMs', `must be after fromMs (${fromMs})`, toMs);
  const out: { date: string; fromMs: number; toMs: number }[] = [];
  for (let date = localDate(fromMs, timezone); ; date = addDays(date, 1)) {
    const start = Math.max(fromMs, wallTimeToMs(date, 0, timezone));
    if (start >= toMs) break;
    out.push({ date, fromMs: start, toMs: Math.min(toMs, wallTimeToMs(addDays(date, 1), 0, timezone)) });
  }
  return out;
}

const HALF = 0.5;

/** A block's mean kW, or null when under half of its span has good data (a gap is not a zero). */
function blockMeanKw(kwh: number, coveredS: number, spanS: number): number | null {
  return spanS > 0 && coveredS >= HALF * spanS && coveredS > 0 ? kwh / (coveredS / 3600) : null;
}

export function blockMeans(b: EnergyBlock): { actualKw: number | null; uncontrolledKw: number | null } {
  return { actualKw: blockMeanKw(b.importKwh, b.coveredS, b.spanS), uncontrolledKw: blockMeanKw(b.uncontrolledImportKwh, b.uncontrolledCoveredS, b.spanS) };
}

const maxOrNull = (xs: readonly (number | null)[]): number | null => xs.reduce<number | null>((m, x) => (x === null ? m : m === null ? x : Math.max(m, x)), null);

/** A row from summed energies and the means of its demand blocks. */
export function energyRow(period: string, fromMs: number, toMs: number, s: EnergySums, peaks: { actualKw: number | null; uncontrolledKw: number | null }[], co2: boolean): EnergyRow {
  const peakImportKw = maxOrNull(peaks.map((p) => p.actualKw));
  const uncontrolledPeakImportKw = maxOrNull(peaks.map((p) => p.uncontrolledKw));
  return {
    period,
    fromMs,
    toMs,
    importKwh: s.importKwh,
    exportKwh: s.exportKwh,
    pvKwh: s.pvKwh,
    selfConsumedPvKwh: s.selfConsumedPvKwh,
    loadKwh: s.loadKwh,
    renewableSharePct: s.loadKwh > 0 ? Math.min(100, (100 * s.shareSelfConsumedPvKwh) / s.loadKwh) : null,
    co2Kg: co2 ? s.co2Kg : null,
    co2UnfactoredImportKwh: s.co2UnfactoredImportKwh,
    peakImportKw,
    uncontrolledPeakImportKw,
    peakReductionKw: peakImportKw === null || uncontrolledPeakImportKw === null ? null : uncontrolledPeakImportKw - peakImportKw,
    coveragePct: s.spanS > 0 ? (100 * s.gridCoveredS) / s.spanS : 0,
  };
}

function rollUp(period: string, days: readonly SiteDay[], co2: boolean): EnergyRow {
  const sums = days.reduce((acc, d) => addSums(acc, d.window.sums), emptySums());
  const peaks = days.flatMap((d) => d.window.blocks.map(blockMeans));
  return energyRow(period, days[0]?.fromMs ?? 0, days.at(-1)?.toMs ?? 0, sums, peaks, co2);
}

/** Per local day, per local month and over the range, from the site's days in order. */
export function siteEnergyReport(input: SiteEnergyInput): SiteEnergyReport {
  if (input.days.length === 0) throw invalidInput(`sites.${input.siteId}.days`, 'must hold at least one day', 0);
  const months = new Map<string, SiteDay[]>();
  for (const d of input.days) {
    const m = d.date.slice(0, 7);
    months.set(m, [...(months.get(m) ?? []), d]);
  }
  return {
    siteId: input.siteId,
    days: input.days.map((d) => rollUp(d.date, [d], input.hasCarbon)),
    months: [...months].map(([m, ds]) => rollUp(m, ds, input.hasCarbon)),
    total: rollUp('total', input.days, input.hasCarbon),
  };
}

export type { EnergyBlock, EnergySums };
