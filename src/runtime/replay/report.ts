import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Scenario } from '../../../simulators/index.js';
import type { ReplayResult } from './types.js';

const require = createRequire(import.meta.url);

/** uPlot, read from the installed package at report time so the file works offline. */
function uplotAssets(): { js: string; css: string } {
  const js = require.resolve('uplot/dist/uPlot.iife.min.js');
  return { js: readFileSync(js, 'utf8'), css: readFileSync(js.replace(/uPlot\.iife\.min\.js$/, 'uPlot.min.css'), 'utf8') };
}

/** JSON that is safe inside a <script> element. */
const scriptJson = (x: unknown): string => JSON.stringify(x).replace(/</g, '\\u003c');
const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/**
 * A self-contained HTML report: per site, grid import controlled vs uncontrolled against the
 * import limit, the plan's peak and DR caps, with event windows shaded; and each battery's SoC.
 */
export function replayReportHtml(result: ReplayResult, scenario: Scenario): string {
  const series = result.series;
  if (series === undefined) throw new Error('replayReportHtml: the replay ran without collectSeries');
  const { js, css } = uplotAssets();
  const data = {
    times: series.timesMs.map((t) => t / 1000),
    sites: scenario.sites.map((site) => ({ id: site.id, timezone: site.timezone, ...series.sites[site.id] })),
    events: scenario.events.map((e) => ({ id: e.id, sites: e.siteIds, from: e.startMs / 1000, to: e.endMs / 1000, type: e.type, valueKw: e.valueKw })),
  };
  const rows = result.sites
    .map((s) => `<tr><td>${escapeHtml(s.id)}</td><td>${s.peakImportKw.toFixed(1)}</td><td>${s.uncontrolledPeakImportKw.toFixed(1)}</td><td>${s.importKwh.toFixed(1)}</td><td>${s.exportKwh.toFixed(1)}</td><td>${s.cost.toFixed(2)}</td><td>${s.co2Kg.toFixed(1)}</td><td>${s.limitViolationMinutes}</td></tr>`)
    .join('');
  const events = result.events
    .map((e) => `<tr><td>${escapeHtml(e.id)}</td><td>${escapeHtml(e.site)}</td><td>${e.requestedKw}</td><td>${e.baselineKw.toFixed(1)}</td><td>${e.meanImportKw.toFixed(1)}</td><td>${e.maxImportKw.toFixed(1)}</td><td>${e.compliantPct.toFixed(1)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vpp replay: ${escapeHtml(result.scenario)}</title>
<style>${css}
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}h2{margin-top:1.5em}</style></head>
<body><h1>vpp replay: ${escapeHtml(result.scenario)}</h1>
<p>${result.steps} steps of ${series.stepS} s, replayed in ${result.wallMs} ms. Shaded: DR event windows.</p>
<table><tr><th>site</th><th>peak kW</th><th>uncontrolled peak kW</th><th>import kWh</th><th>export kWh</th><th>cost</th><th>CO2 kg</th><th>limit violation min</th></tr>${rows}</table>
${events === '' ? '' : `<table><tr><th>event</th><th>site</th><th>requested kW</th><th>baseline kW</th><th>mean import kW</th><th>max import kW</th><th>compliant %</th></tr>${events}</table>`}
<div id="charts"></div>
<script>${js}</script>
<script>
const DATA = ${scriptJson(data)};
const shade = (siteId) => ({ hooks: { drawClear: [(u) => {
  const ctx = u.ctx; ctx.save(); ctx.fillStyle = 'rgba(255,160,0,0.15)';
  for (const e of DATA.events) if (e.sites.includes(siteId)) {
    const x0 = u.valToPos(e.from, 'x', true), x1 = u.valToPos(e.to, 'x', true);
    ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
  }
  ctx.restore();
}] } });
const root = document.getElementById('charts');
const width = () => Math.min(1200, window.innerWidth - 40);
for (const site of DATA.sites) {
  const h = document.createElement('h2'); h.textContent = site.id; root.appendChild(h);
  const tzDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), site.timezone);
  const limit = DATA.times.map(() => site.gridImportLimitKw);
  new uPlot({ title: 'Grid import, kW (step means)', width: width(), height: 320, tzDate, plugins: [shade(site.id)],
    series: [{}, { label: 'uncontrolled', stroke: '#999' }, { label: 'controlled', stroke: '#1565c0', width: 2 },
      { label: 'import limit', stroke: '#c62828', dash: [6, 4] }, { label: 'DR cap', stroke: '#ef6c00', dash: [3, 3] },
      { label: 'plan peak', stroke: '#2e7d32', dash: [8, 3] }] },
    [DATA.times, site.uncontrolledGridKw, site.gridKw, limit, site.importCapKw, site.planPeakKw], root);
  const ids = Object.keys(site.batteries);
  if (ids.length === 0) continue;
  const colours = ['#6a1b9a', '#00838f', '#ad1457', '#558b2f', '#4e342e'];
  new uPlot({ title: 'Battery state of charge, %', width: width(), height: 220, tzDate, plugins: [shade(site.id)], scales: { y: { range: [0, 100] } },
    series: [{}, ...ids.map((id, i) => ({ label: id, stroke: colours[i % colours.length] }))] },
    [DATA.times, ...ids.map((id) => site.batteries[id].socPct)], root);
}
</script></body></html>
`;
}
