/* global CSS, document */
// Fleet overview: every site's grid power against its limit, PV, load, storage, flexibility and
// the DR events that concern it, live from the stream.
import { duration, esc, failure, getJson, localTime, num, reading } from './util.js';
import { eventsFor, loadEvents, signalText } from './events.js';

function gridBar(site) {
  const g = site.state.gridPowerKw;
  if (g.value === null || !(site.gridImportLimitKw > 0)) return '';
  const pct = Math.max(0, Math.min(100, (g.value / site.gridImportLimitKw) * 100));
  const target = site.peakTargetKw !== undefined ? Math.min(100, (site.peakTargetKw / site.gridImportLimitKw) * 100) : null;
  const over = site.peakTargetKw !== undefined && g.value > site.peakTargetKw;
  return `<div class="bar" role="img" aria-label="grid import ${num(pct, 0)} % of the ${site.gridImportLimitKw} kW limit">
    <span class="fill${over ? ' over' : ''}" style="width:${pct}%"></span>${target !== null ? `<span class="mark" style="left:${target}%"></span>` : ''}</div>`;
}

function flex(site) {
  const f = site.flexibility;
  if (f === null) return ['<span class="muted">—</span>', '<span class="muted">—</span>'];
  return [
    `<span data-flex="decrease">${num(f.decreaseKw)} kW</span> <small>for ${duration(f.decreaseDurationS)}</small>`,
    `<span data-flex="increase">${num(f.increaseKw)} kW</span> <small>for ${duration(f.increaseDurationS)}</small>`,
  ];
}

/** The row's cells after the site's name, as markup each. */
function cells(site, events) {
  const active = eventsFor(events, site.id).filter((e) => e.status === 'active');
  const [down, up] = flex(site);
  return [
    ['num', 'gridPowerKw', `${reading(site.state.gridPowerKw, 'kW')}${gridBar(site)}`],
    ['num', '', `<small>limit</small> ${num(site.gridImportLimitKw, 0)} kW<br><small>target</small> ${site.peakTargetKw !== undefined ? `${num(site.peakTargetKw, 0)} kW` : '—'}`],
    ['num', 'loadPowerKw', reading(site.state.loadPowerKw, 'kW')],
    ['num', 'pvPowerKw', reading(site.state.pvPowerKw, 'kW')],
    ['num', 'batteryPowerKw', reading(site.state.batteryPowerKw, 'kW')],
    ['num', 'batterySocPct', reading(site.state.batterySocPct, '%')],
    ['num', '', down],
    ['num', '', up],
    ['', '', active.length === 0 ? '<span class="muted">none</span>' : active.map((e) => `<a href="#/events" class="badge active">${esc(e.name ?? e.id)}</a> <small>${esc(signalText(e))}</small>`).join('<br>')],
  ];
}

export function renderFleet(root, { live }) {
  let alive = true;
  let events = { ok: true, list: [] };
  const sites = new Map();
  root.innerHTML = `<h2>Fleet</h2>
    <p id="fleet-summary" class="summary"></p>
    <div class="scroll"><table class="fleet">
      <caption>Sites, live. Flexibility: how far grid power can be lowered (↓) or raised (↑) now, and for how long.</caption>
      <thead><tr><th scope="col">Site</th><th scope="col">Grid</th><th scope="col">Limit / target</th><th scope="col">Load</th><th scope="col">PV</th>
      <th scope="col">Battery</th><th scope="col">SoC</th><th scope="col">Flex ↓</th><th scope="col">Flex ↑</th><th scope="col">Active events</th></tr></thead>
      <tbody id="fleet-rows"><tr><td colspan="10">Loading…</td></tr></tbody></table></div>
    <h2>Active and upcoming events</h2><div id="fleet-events">Loading…</div>`;
  const rows = root.querySelector('#fleet-rows');

  function paintSite(site) {
    sites.set(site.id, site);
    let tr = rows.querySelector(`tr[data-site="${CSS.escape(site.id)}"]`);
    const next = cells(site, events.list);
    if (tr === null) {
      if (rows.querySelector('tr[data-site]') === null) rows.innerHTML = '';
      tr = document.createElement('tr');
      tr.dataset.site = site.id;
      tr.innerHTML = `<th scope="row"><a href="#/sites/${encodeURIComponent(site.id)}">${esc(site.name)}</a><br><small>${esc(site.id)} · ${esc(site.timezone)}</small></th>` +
        next.map(([cls, metric]) => `<td${cls ? ` class="${cls}"` : ''}${metric ? ` data-metric="${metric}"` : ''}></td>`).join('');
      rows.appendChild(tr);
    }
    // Only the cells that change are rewritten: the site's link keeps keyboard focus across updates.
    tr.querySelectorAll('td').forEach((td, i) => {
      const html = next[i]?.[2] ?? '';
      if (td.innerHTML !== html) td.innerHTML = html;
    });
    paintSummary();
  }

  function paintSummary() {
    const all = [...sites.values()];
    const sum = (f) => all.reduce((n, s) => n + (f(s) ?? 0), 0);
    root.querySelector('#fleet-summary').innerHTML = `${all.length} site(s) · grid ${num(sum((s) => s.state.gridPowerKw.value))} kW ·
      can lower by ${num(sum((s) => s.flexibility?.decreaseKw))} kW, raise by ${num(sum((s) => s.flexibility?.increaseKw))} kW`;
  }

  function paintEvents() {
    const box = root.querySelector('#fleet-events');
    if (!events.ok) {
      box.innerHTML = `<p class="muted">${events.message}</p>`;
      return;
    }
    const open = events.list.filter((e) => e.status === 'active' || e.status === 'pending');
    box.innerHTML = open.length === 0
      ? '<p class="muted">No active or upcoming DR events.</p>'
      : `<ul class="events">${open.map((e) => `<li><span class="badge ${esc(e.status)}">${esc(e.status)}</span> <strong>${esc(e.name ?? e.id)}</strong>
          ${esc(signalText(e))} · ${localTime(e.start)} – ${localTime(e.end)} · ${e.siteIds === null ? 'all sites' : esc(e.siteIds.join(', '))}</li>`).join('')}</ul>`;
    for (const site of sites.values()) paintSite(site);
  }

  async function refreshEvents() {
    events = await loadEvents();
    if (alive) paintEvents();
  }

  (async () => {
    const r = await getJson('/api/v1/sites');
    if (!alive) return;
    if (!r.ok) {
      rows.innerHTML = `<tr><td colspan="10">Cannot read the sites: ${failure(r)}</td></tr>`;
      return;
    }
    if (r.body.length === 0) rows.innerHTML = '<tr><td colspan="10">No sites configured.</td></tr>';
    for (const site of r.body) paintSite(live.sites.get(site.id) ?? site);
  })();
  refreshEvents();

  const off = live.subscribe((kind, data) => {
    if (kind === 'site') paintSite(data);
    else if (kind === 'event-status') refreshEvents();
  });
  return () => {
    alive = false;
    off();
  };
}
