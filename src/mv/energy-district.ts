import { addSums, emptySums } from './energy-integrate.js';
import { blockMeans, energyRow, type EnergyRow, type SiteDay, type SiteEnergyInput } from './energy-report.js';

export interface DistrictEnergyReport {
  readonly days: readonly EnergyRow[];
  readonly months: readonly EnergyRow[];
  readonly total: EnergyRow;
}

/**
 * The district: every energy of a row is the sum of the sites' rows of the same period (a day
 * or month by its local date label). Peaks are coincident, not summed: a block's district mean
 * is the sum of the sites' means of that block, counted only when every site has one (a site
 * without data would otherwise lower the district's peak). co2Kg: the sum over sites with a
 * carbon factor (null when none has one); the others' import shows in co2UnfactoredImportKwh.
 */
export function districtEnergyReport(sites: readonly SiteEnergyInput[]): DistrictEnergyReport {
  const co2 = sites.some((s) => s.hasCarbon);
  const byPeriod = (key: (d: SiteDay) => string): Map<string, SiteDay[][]> => {
    const out = new Map<string, SiteDay[][]>();
    sites.forEach((s, i) => {
      for (const d of s.days) {
        const k = key(d);
        const perSite = out.get(k) ?? sites.map(() => []);
        perSite[i]?.push(d);
        out.set(k, perSite);
      }
    });
    return out;
  };
  const row = (period: string, perSite: readonly (readonly SiteDay[])[]): EnergyRow => {
    const all = perSite.flat();
    const sums = all.reduce((acc, d) => addSums(acc, d.window.sums), emptySums());
    const blocks = new Map<number, { actual: number; uncontrolled: number; nActual: number; nUncontrolled: number }>();
    for (const d of all) {
      for (const b of d.window.blocks) {
        const m = blockMeans(b);
        const acc = blocks.get(b.startMs) ?? { actual: 0, uncontrolled: 0, nActual: 0, nUncontrolled: 0 };
        if (m.actualKw !== null) {
          acc.actual += m.actualKw;
          acc.nActual++;
        }
        if (m.uncontrolledKw !== null) {
          acc.uncontrolled += m.uncontrolledKw;
          acc.nUncontrolled++;
        }
        blocks.set(b.startMs, acc);
      }
    }
    const n = perSite.filter((ds) => ds.length > 0).length;
    const peaks = [...blocks.values()].map((b) => ({ actualKw: b.nActual === n ? b.actual : null, uncontrolledKw: b.nUncontrolled === n ? b.uncontrolled : null }));
    const fromMs = Math.min(...all.map((d) => d.fromMs));
    const toMs = Math.max(...all.map((d) => d.toMs));
    return energyRow(period, fromMs, toMs, sums, peaks, co2);
  };
  const rows = (m: Map<string, SiteDay[][]>): EnergyRow[] => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, perSite]) => row(k, perSite));
  return {
    days: rows(byPeriod((d) => d.date)),
    months: rows(byPeriod((d) => d.date.slice(0, 7))),
    total: row('total', sites.map((s) => s.days)),
  };
}

/** Peak reduction of one event at one site: the baseline's highest interval mean against the metered one. */
export interface EventPeakReduction {
  readonly baselinePeakKw: number | null;
  readonly actualPeakKw: number | null;
  readonly peakReductionKw: number | null;
  /** Intervals without a baseline or a good metered mean; the peaks are over the others. */
  readonly missingIntervals: number;
}

/** From an event's per-interval baseline and actual import (src/mv baselines and eventPerformance's intervals). */
export function eventPeakReduction(baselineKw: readonly (number | null)[], actualKw: readonly (number | null)[]): EventPeakReduction {
  let baselinePeakKw: number | null = null;
  let actualPeakKw: number | null = null;
  let missingIntervals = 0;
  const n = Math.max(baselineKw.length, actualKw.length);
  for (let k = 0; k < n; k++) {
    const b = baselineKw[k] ?? null;
    const a = actualKw[k] ?? null;
    if (b === null || a === null || !Number.isFinite(b) || !Number.isFinite(a)) {
      missingIntervals++;
      continue;
    }
    baselinePeakKw = Math.max(baselinePeakKw ?? -Infinity, b);
    actualPeakKw = Math.max(actualPeakKw ?? -Infinity, a);
  }
  return {
    baselinePeakKw,
    actualPeakKw,
    peakReductionKw: baselinePeakKw === null || actualPeakKw === null ? null : baselinePeakKw - actualPeakKw,
    missingIntervals,
  };
}
