import type { ReplayResult } from './types.js';

/** An instant as ISO 8601 with the given offset (the scenario's), e.g. 2025-07-15T14:00:00+08:00. */
export function isoWithOffset(atMs: number, offsetMin: number): string {
  const local = new Date(atMs + offsetMin * 60_000).toISOString().slice(0, 19);
  if (offsetMin === 0) return `${local}Z`;
  const abs = Math.abs(offsetMin);
  return `${local}${offsetMin < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The per-step series as CSV: `time` (step start) then, per site, grid controlled and
 * uncontrolled (step means, kW) and per battery its mean power (kW) and SoC at the step's end (%).
 */
export function replayCsv(result: ReplayResult, offsetMin: number): string {
  const series = result.series;
  if (series === undefined) throw new Error('replayCsv: the replay ran without collectSeries');
  const header = ['time'];
  const columns: (readonly number[])[] = [];
  for (const [siteId, site] of Object.entries(series.sites)) {
    header.push(`${siteId}.gridKw`, `${siteId}.uncontrolledGridKw`);
    columns.push(site.gridKw, site.uncontrolledGridKw);
    for (const [id, b] of Object.entries(site.batteries)) {
      header.push(`${siteId}.${id}.powerKw`, `${siteId}.${id}.socPct`);
      columns.push(b.powerKw, b.socPct);
    }
  }
  const rows = series.timesMs.map((t, i) => [isoWithOffset(t, offsetMin), ...columns.map((c) => round(c[i]))].join(','));
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}

function round(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '' : String(Math.round(x * 1000) / 1000);
}
