/* global uPlot, window, setInterval, clearInterval */
// One site: live numbers, a uPlot chart of grid power against the import limit and the peak
// target with PV, load, battery and SoC (history from /series, then live from the stream),
// DR event windows shaded, the assets and their flexibility.
import { duration, esc, failure, getJson, localTime, num, reading } from './util.js';
import { eventsFor, loadEvents, signalText } from './events.js';

const WINDOW_S = 3600;
const POWER = [
  ['gridPowerKw', 'Grid', '#1f5fbf', 2.5],
  ['loadPowerKw', 'Load', '#7a4b00', 1.5],
  ['pvPowerKw', 'PV', '#c98a00', 1.5],
  ['batteryPowerKw', 'Battery', '#1e7b3c', 1.5],
];
const SOC = 'batterySocPct';
const FLEX_REFRESH_MS = 15_000;

function numbers(site) {
  const s = site.state;
  const f = site.flexibility;
  const card = (label, html, metric) => `<div class="card"${metric ? ` data-metric="${metric}"` : ''}><div class="label">${label}</div><div class="big">${html}</div></div>`;
  return card('Grid', reading(s.gridPowerKw, 'kW'), 'gridPowerKw') +
    card('Import limit / peak target', `${num(site.gridImportLimitKw, 0)} / ${site.peakTargetKw !== undefined ? num(site.peakTargetKw, 0) : '—'} kW`) +
    card('Load', reading(s.loadPowerKw, 'kW'), 'loadPowerKw') +
    card('PV', reading(s.pvPowerKw, 'kW'), 'pvPowerKw') +
    card('Battery', reading(s.batteryPowerKw, 'kW'), 'batteryPowerKw') +
    card('SoC', reading(s.batterySocPct, '%'), 'batterySocPct') +
    card('Flex ↓ (lower import)', f === null ? '—' : `${num(f.decreaseKw)} kW <small>for ${duration(f.decreaseDurationS)}</small>`) +
    card('Flex ↑ (raise import)', f === null ? '—' : `${num(f.increaseKw)} kW <small>for ${duration(f.increaseDurationS)}</small>`);
}

function assetsTable(site, flex) {
  const perAsset = new Map((flex?.assets ?? []).map((a) => [a.assetId, a]));
  return `<table><caption>Assets (live)</caption><thead><tr><th scope="col">Asset</th><th scope="col">Kind</th><th scope="col">Protocol</th><th scope="col">Available</th>
    <th scope="col">Power</th><th scope="col">SoC</th><th scope="col">Can lower / raise <small>(every 15 s)</small></th></tr></thead><tbody>${site.assets.map((a) => {
      const f = perAsset.get(a.id);
      const scheme = a.binding.split(':')[0];
      return `<tr><th scope="row">${esc(a.id)}</th><td>${esc(a.kind)}</td><td>${esc(scheme)}</td><td>${a.available ? 'yes' : '<span class="badge bad">no</span>'}</td>
        <td class="num">${reading(a.readings.powerKw, 'kW')}</td><td class="num">${a.readings.socPct ? reading(a.readings.socPct, '%') : ''}</td>
        <td class="num">${f ? `${num(f.decreaseKw)} / ${num(f.increaseKw)} kW` : ''}</td></tr>`;
    }).join('')}</tbody></table>`;
}

/** Site-level series from the store, merged on their timestamps (seconds for uPlot). */
async function history(siteId, nowMs) {
  const from = new Date(nowMs - WINDOW_S * 1000).toISOString();
  const metrics = [...POWER.map((p) => p[0]), SOC];
  const answers = await Promise.all(metrics.map((m) => getJson(`/api/v1/sites/${encodeURIComponent(siteId)}/series?metric=${m}&from=${encodeURIComponent(from)}`)));
  const rows = new Map();
  answers.forEach((r, i) => {
    if (!r.ok) return;
    for (const p of r.body.points) {
      const t = Date.parse(p.time) / 1000;
      if (!rows.has(t)) rows.set(t, new Array(metrics.length).fill(null));
      rows.get(t)[i] = p.value;
    }
  });
  const ts = [...rows.keys()].sort((a, b) => a - b);
  return { ts, cols: metrics.map((_, i) => ts.map((t) => rows.get(t)[i])) };
}

const kwValue = (_u, v) => (v == null ? '—' : `${v.toFixed(1)} kW`);

/** DR event windows at this site, shaded under the series (drawClear runs before axes and lines). */
function shadeWindows(windowsRef) {
  return (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.fillStyle = 'rgba(176, 0, 32, 0.10)';
    for (const w of windowsRef.current) {
      const x0 = Math.max(bbox.left, u.valToPos(w.startS, 'x', true));
      const x1 = Math.min(bbox.left + bbox.width, u.valToPos(w.endS, 'x', true));
      if (x1 > x0) ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
    }
    ctx.restore();
  };
}

/**
 * Two uPlot charts on one time axis (cursor synced): power with the import limit and peak
 * target, and SoC below, so a percentage never reads as kW. Columns are shared and grow in place.
 */
function makeCharts(powerEl, socEl, site, hist, windowsRef) {
  const xs = hist.ts;
  const target = site.peakTargetKw ?? null;
  const cols = [xs, ...hist.cols.slice(0, POWER.length), xs.map(() => site.gridImportLimitKw), xs.map(() => target), hist.cols[POWER.length]];
  const base = (el, height) => ({
    width: Math.max(320, el.clientWidth),
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), site.timezone),
    cursor: { sync: { key: `site-${site.id}` } },
    legend: { live: false },
    hooks: { drawClear: [shadeWindows(windowsRef)] },
  });
  const power = new uPlot({
    ...base(powerEl, 320),
    scales: { x: { time: true } },
    axes: [{}, { label: 'kW', size: 60 }],
    series: [
      { label: 'Time' },
      ...POWER.map(([, label, stroke, width]) => ({ label, stroke, width, spanGaps: true, value: kwValue })),
      { label: 'Import limit', stroke: '#b00020', width: 1.5, dash: [8, 4], value: kwValue },
      { label: 'Peak target', stroke: '#d2691e', width: 1.5, dash: [3, 3], show: target !== null, value: kwValue },
    ],
  }, cols.slice(0, POWER.length + 3), powerEl);
  const soc = new uPlot({
    ...base(socEl, 150),
    scales: { x: { time: true }, y: { range: [0, 100] } },
    axes: [{}, { label: 'SoC %', size: 60 }],
    series: [{ label: 'Time' }, { label: 'Battery SoC', stroke: '#6a3d9a', width: 2, spanGaps: true, value: (_u, v) => (v == null ? '—' : `${v.toFixed(1)} %`) }],
  }, [xs, cols[POWER.length + 3]], socEl);
  powerEl.dataset.points = String(xs.length);
  return {
    cols,
    redraw: () => {
      power.setData(cols.slice(0, POWER.length + 3));
      soc.setData([cols[0], cols[POWER.length + 3]]);
      powerEl.dataset.points = String(cols[0].length);
    },
    repaint: () => {
      power.redraw(false, false);
      soc.redraw(false, false);
    },
    resize: () => {
      power.setSize({ width: Math.max(320, powerEl.clientWidth), height: 320 });
      soc.setSize({ width: Math.max(320, socEl.clientWidth), height: 150 });
    },
    destroy: () => {
      power.destroy();
      soc.destroy();
    },
  };
}

export function renderSite(root, { live }, siteId) {
  let alive = true;
  let chart = null;
  let flex = null;
  let site = null;
  const windowsRef = { current: [] };
  root.innerHTML = '<p>Loading…</p>';

  function paint() {
    root.querySelector('#site-numbers').innerHTML = numbers(site);
    root.querySelector('#site-assets').innerHTML = assetsTable(site, flex);
  }

  function push(view) {
    if (chart === null) return;
    const t = Date.parse(view.state.gridPowerKw.time) / 1000;
    const xs = chart.cols[0];
    if (!Number.isFinite(t) || (xs.length > 0 && t <= xs[xs.length - 1])) return;
    const values = [...POWER.map(([m]) => view.state[m]?.value ?? null), view.gridImportLimitKw, view.peakTargetKw ?? null, view.state[SOC]?.value ?? null];
    xs.push(t);
    values.forEach((v, i) => chart.cols[i + 1].push(v));
    while (xs.length > 0 && xs[0] < t - WINDOW_S) chart.cols.forEach((col) => col.shift());
    chart.redraw();
  }

  async function refreshEvents() {
    const ev = await loadEvents();
    if (!alive) return;
    const mine = eventsFor(ev.list, siteId);
    windowsRef.current = mine.map((e) => {
      const endMs = Math.min(e.end === null ? Date.now() + 86_400_000 : Date.parse(e.end), e.cancelledAt === null ? Infinity : Date.parse(e.cancelledAt));
      return { startS: Date.parse(e.start) / 1000, endS: endMs / 1000 };
    });
    const box = root.querySelector('#site-events');
    if (box !== null) {
      box.innerHTML = !ev.ok ? `<p class="muted">${ev.message}</p>` : mine.length === 0 ? '<p class="muted">No DR events for this site in the last 7 days.</p>'
        : `<ul class="events">${mine.map((e) => `<li><span class="badge ${esc(e.status)}">${esc(e.status)}</span> <strong>${esc(e.name ?? e.id)}</strong> ${esc(signalText(e))} · ${localTime(e.start, site?.timezone)} – ${localTime(e.end, site?.timezone)}</li>`).join('')}</ul>`;
    }
    chart?.repaint();
  }

  (async () => {
    const r = await getJson(`/api/v1/sites/${encodeURIComponent(siteId)}`);
    if (!alive) return;
    if (!r.ok) {
      root.innerHTML = `<h2>Site ${esc(siteId)}</h2><p>${r.status === 404 ? 'No such site.' : `Cannot read the site: ${failure(r)}`} <a href="#/">Back to the fleet</a></p>`;
      return;
    }
    site = live.sites.get(siteId) ?? r.body;
    root.innerHTML = `<h2>${esc(site.name)} <small>${esc(site.id)} · ${esc(site.timezone)}</small></h2>
      <div id="site-numbers" class="cards" aria-live="off"></div>
      <figure class="chart"><div id="site-chart" class="chart-box" role="img" aria-label="Grid power against the import limit and peak target, with PV, load and battery power over the last hour; DR event windows shaded"></div>
      <div id="soc-chart" class="chart-box small" role="img" aria-label="Battery state of charge over the last hour"></div>
      <figcaption>Last hour, live, in ${esc(site.timezone)} time. Powers in kW (load convention: &gt; 0 draws from the site bus); battery state of charge below; shaded: DR event windows.</figcaption></figure>
      <h3>DR events</h3><div id="site-events">Loading…</div>
      <h3>Assets</h3><div id="site-assets" class="scroll"></div>`;
    paint();
    const [hist, f] = await Promise.all([history(siteId, Date.now()), getJson(`/api/v1/sites/${encodeURIComponent(siteId)}/flexibility`)]);
    if (!alive) return;
    flex = f.ok ? f.body : null;
    paint();
    chart = makeCharts(root.querySelector('#site-chart'), root.querySelector('#soc-chart'), site, hist, windowsRef);
    push(site);
    refreshEvents();
  })();
  // Per-battery flexibility is not on the stream (the site's total is): re-read it now and then.
  const flexTimer = setInterval(async () => {
    if (site === null) return;
    const f = await getJson(`/api/v1/sites/${encodeURIComponent(siteId)}/flexibility`);
    if (!alive || !f.ok) return;
    flex = f.body;
    paint();
  }, FLEX_REFRESH_MS);
  const resize = () => chart?.resize();
  window.addEventListener('resize', resize);

  const off = live.subscribe((kind, data) => {
    if (kind === 'site' && data.id === siteId && site !== null) {
      site = data;
      paint();
      push(data);
    } else if (kind === 'event-status') refreshEvents();
  });
  return () => {
    alive = false;
    off();
    window.removeEventListener('resize', resize);
    clearInterval(flexTimer);
    chart?.destroy();
  };
}
