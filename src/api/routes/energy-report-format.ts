import type { EnergyReportJson, EnergyRowJson, EventRowJson } from './energy-report-data.js';

/** The numeric columns of a row, in the order CSV and HTML show them. */
export const ROW_COLUMNS = [
  'importKwh',
  'exportKwh',
  'pvKwh',
  'selfConsumedPvKwh',
  'loadKwh',
  'renewableSharePct',
  'co2Kg',
  'co2UnfactoredImportKwh',
  'peakImportKw',
  'uncontrolledPeakImportKw',
  'peakReductionKw',
  'coveragePct',
] as const;

export const CSV_HEADER = ['scope', 'kind', 'period', 'from', 'to', ...ROW_COLUMNS].join(',');

/** Three decimals (Wh, 0.001 %): enough to add up, short enough to read. Empty = no value. */
export const num = (v: number | null): string => (v === null ? '' : String(Math.round(v * 1000) / 1000));

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function rowCells(scope: string, kind: string, r: EnergyRowJson): string[] {
  return [scope, kind, r.period, r.from, r.to, ...ROW_COLUMNS.map((c) => num(r[c]))];
}

/**
 * An event row reuses the peak columns: peakImportKw = the metered peak in the event window,
 * uncontrolledPeakImportKw = the baseline's peak, peakReductionKw = their difference.
 */
function eventCells(scope: string, e: EventRowJson): string[] {
  const cells: Record<string, string> = { peakImportKw: num(e.actualPeakKw), uncontrolledPeakImportKw: num(e.baselinePeakKw), peakReductionKw: num(e.peakReductionKw) };
  return [scope, 'event', e.eventId, e.from, e.to, ...ROW_COLUMNS.map((c) => cells[c] ?? '')];
}

/** RFC 4180 CSV: one line per day, month and total of each site and of the district, then the events. */
export function energyReportCsv(r: EnergyReportJson): string {
  const lines = [CSV_HEADER];
  const block = (scope: string, x: { days: readonly EnergyRowJson[]; months: readonly EnergyRowJson[]; total: EnergyRowJson }): void => {
    for (const d of x.days) lines.push(rowCells(scope, 'day', d).map(csvCell).join(','));
    for (const m of x.months) lines.push(rowCells(scope, 'month', m).map(csvCell).join(','));
    lines.push(rowCells(scope, 'total', x.total).map(csvCell).join(','));
  };
  for (const s of r.sites) block(s.siteId, s);
  block('district', r.district);
  for (const s of r.sites) for (const e of s.events) lines.push(eventCells(s.siteId, e).map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function table(title: string, rows: readonly EnergyRowJson[]): string {
  const head = `<tr><th>period</th>${ROW_COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr${r.period === 'total' ? ' class="total"' : ''}><td>${esc(r.period)}</td>${ROW_COLUMNS.map((c) => `<td>${num(r[c])}</td>`).join('')}</tr>`).join('\n');
  return `<h3>${esc(title)}</h3>\n<table>\n${head}\n${body}\n</table>`;
}

function eventsTable(events: readonly EventRowJson[]): string {
  if (events.length === 0) return '';
  const rows = events
    .map((e) => `<tr><td>${esc(e.eventId)}</td><td>${esc(e.from)}</td><td>${esc(e.to)}</td><td>${esc(e.baselineMethod)}</td><td>${num(e.baselinePeakKw)}</td><td>${num(e.actualPeakKw)}</td><td>${num(e.peakReductionKw)}</td><td>${e.missingIntervals}</td><td>${esc(e.baselineProblem ?? '')}</td></tr>`)
    .join('\n');
  return `<h3>DR events: peak reduction</h3>\n<table>\n<tr><th>event</th><th>from</th><th>to</th><th>baseline</th><th>baselinePeakKw</th><th>actualPeakKw</th><th>peakReductionKw</th><th>missing intervals</th><th>note</th></tr>\n${rows}\n</table>`;
}

/** A standalone page (no script, no external asset): the tables of the JSON report. */
export function energyReportHtml(r: EnergyReportJson): string {
  const sections = [
    `<h2>District (${esc(r.district.sites.join(', '))})</h2>`,
    table('Total', [r.district.total]),
    table('Months', r.district.months),
    table('Days', r.district.days),
    ...r.sites.flatMap((s) => [
      `<h2>Site ${esc(s.siteId)} <small>(${esc(s.timezone)}; carbon ${s.carbon === null ? 'not configured' : s.carbon.kind === 'constant' ? `${s.carbon.kgPerKwh} kg/kWh` : `series of ${s.carbon.points} points`}; a sample holds at most ${s.maxHoldS} s)</small></h2>`,
      table('Total', [s.total]),
      table('Months', s.months),
      table('Days', s.days),
      eventsTable(s.events),
    ]),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Energy and carbon report ${esc(r.from)} – ${esc(r.to)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:1.5em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th:first-child,td:first-child{text-align:left}
tr.total td{font-weight:bold}
small{color:#666;font-weight:normal}
</style></head><body>
<h1>Energy and carbon report</h1>
<p>From ${esc(r.from)} to ${esc(r.to)} (exclusive); generated ${esc(r.generatedAt)}. kWh and kW, load convention;
CO2 in kg on grid import only (export not credited); peaks are clock-aligned 15-minute mean import;
uncontrolled = with the batteries idle. Days and months in each site's local time.</p>
${sections.join('\n')}
</body></html>
`;
}
