/* global FormData, URLSearchParams */
// Energy and carbon report (GET /api/v1/energy-reports): per site and for the district, import,
// export, PV, self-consumption, renewable share, CO2, peak. A controller without the route (404)
// or a report that needs a token (401/403) is said so, politely.
import { esc, failure, getJson, localTime, num } from './util.js';
import { tokenForm } from './events.js';

const COLUMNS = [
  ['importKwh', 'Import', 'kWh', 1],
  ['exportKwh', 'Export', 'kWh', 1],
  ['pvKwh', 'PV', 'kWh', 1],
  ['selfConsumedPvKwh', 'PV self-consumed', 'kWh', 1],
  ['loadKwh', 'Load', 'kWh', 1],
  ['renewableSharePct', 'Renewable share', '%', 1],
  ['co2Kg', 'CO₂', 'kg', 1],
  ['peakImportKw', 'Peak import', 'kW', 1],
  ['peakReductionKw', 'Peak reduction', 'kW', 1],
  ['coveragePct', 'Data coverage', '%', 1],
];

const isoLocal = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 16);

function table(caption, rows) {
  const cols = COLUMNS.filter(([key]) => rows.some(([, r]) => r !== null && typeof r === 'object' && key in r));
  if (cols.length === 0) return '';
  return `<div class="scroll"><table class="report"><caption>${esc(caption)}</caption><thead><tr><th scope="col"></th>${cols.map(([, label, unit]) => `<th scope="col">${esc(label)} <small>${esc(unit)}</small></th>`).join('')}</tr></thead>
    <tbody>${rows.map(([name, r]) => `<tr data-row="${esc(name)}"><th scope="row">${esc(name)}</th>${cols.map(([key, , , d]) => `<td class="num" data-field="${key}">${num(r?.[key], d)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

function eventTable(events) {
  return `<div class="scroll"><table class="report"><caption>Peak reduction per DR event (M&amp;V baseline peak against the metered peak in the window)</caption>
    <thead><tr><th scope="col">Event</th><th scope="col">Site</th><th scope="col">Window</th><th scope="col">Baseline peak <small>kW</small></th><th scope="col">Actual peak <small>kW</small></th><th scope="col">Reduction <small>kW</small></th></tr></thead>
    <tbody>${events.map((e) => `<tr><th scope="row">${esc(e.eventId)}</th><td>${esc(e.siteId)}</td><td>${localTime(e.from)} – ${localTime(e.to)}</td>
      <td class="num">${num(e.baselinePeakKw)}</td><td class="num">${num(e.actualPeakKw)}</td><td class="num">${num(e.peakReductionKw)}${e.baselineProblem ? ` <small>${esc(e.baselineProblem)}</small>` : ''}</td></tr>`).join('')}</tbody></table></div>`;
}

/** Renders the shapes the report may take: {district: {total, days}, sites: [{siteId, total, days}]}; otherwise the JSON. */
function reportView(body) {
  const sites = Array.isArray(body?.sites) ? body.sites : [];
  const district = body?.district;
  const totals = [...(district?.total ? [['District', district.total]] : []), ...sites.filter((s) => s?.total).map((s) => [s.siteId ?? s.id ?? '?', s.total])];
  const days = (district?.days ?? (sites.length === 1 ? sites[0].days : null)) ?? [];
  const events = sites.flatMap((site) => (Array.isArray(site.events) ? site.events.map((e) => ({ ...e, siteId: site.siteId })) : []));
  const noCarbon = sites.filter((site) => site.carbon === null).map((site) => site.siteId);
  const html = table('Totals over the period', totals) +
    (noCarbon.length > 0 ? `<p class="muted">No grid carbon factor configured for ${esc(noCarbon.join(', '))}: CO₂ is not computed there (config: <code>carbon:</code>).</p>` : '') +
    (events.length > 0 ? eventTable(events) : '') +
    (Array.isArray(days) && days.length > 0 ? table(`Per day (${district?.days ? 'district' : esc(sites[0]?.siteId ?? '')})`, days.map((d) => [d.period ?? d.date ?? '', d])) : '');
  return (html || '<p class="muted">The report has no rows this page knows how to show.</p>') +
    `<details><summary>Full report (JSON)</summary><pre>${esc(JSON.stringify(body, null, 2))}</pre></details>`;
}

export function renderReport(root) {
  let alive = true;
  // The inputs hold whole minutes: the default end is the next minute, so the report includes now.
  const now = Date.now();
  root.innerHTML = `<h2>Energy and carbon report</h2>
    <form id="report-form" class="inline">
      <label>From <input type="datetime-local" name="from" value="${isoLocal(now - 86_400_000)}" required></label>
      <label>To <input type="datetime-local" name="to" value="${isoLocal(now + 60_000)}" required></label>
      <label>Site <input name="site" placeholder="all sites" size="12"></label>
      <button type="submit">Show</button>
    </form><div id="token-slot"></div><div id="report" aria-live="polite">Loading…</div>`;
  const form = root.querySelector('#report-form');

  async function load() {
    const box = root.querySelector('#report');
    const fd = new FormData(form);
    const from = new Date(String(fd.get('from')));
    const to = new Date(String(fd.get('to')));
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
      box.textContent = 'Give a valid from and to.';
      return;
    }
    const site = String(fd.get('site') ?? '').trim();
    const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), format: 'json', ...(site ? { site } : {}) });
    box.textContent = 'Loading…';
    // Asked of the OpenAPI document first: a controller without the route then costs no 404.
    const docs = await getJson('/docs/json');
    if (!alive) return;
    if (docs.ok && !('/api/v1/energy-reports' in (docs.body.paths ?? {}))) {
      box.innerHTML = '<p class="muted">This controller does not serve energy reports (no GET /api/v1/energy-reports in <a href="/docs">its API</a>); <code>vpp report</code> makes them from the store.</p>';
      return;
    }
    const r = await getJson(`/api/v1/energy-reports?${q}`, { auth: true });
    if (!alive) return;
    if (r.ok) box.innerHTML = reportView(r.body);
    else if (r.status === 404) box.innerHTML = `<p class="muted">No report: ${failure(r)}</p>`;
    else if (r.status === 401 || r.status === 403) box.innerHTML = '<p class="muted">The energy report needs a token with read_all: enter one above.</p>';
    else box.innerHTML = `<p class="muted">The report could not be made: ${failure(r)}</p>`;
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });
  root.querySelector('#token-slot').appendChild(tokenForm(() => load()));
  load();
  return () => {
    alive = false;
  };
}
