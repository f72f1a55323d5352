/* global document, location, window */
// The dashboard's entry: one live stream for every page, and hash routes
// (#/ fleet, #/sites/{id} one site, #/events, #/report).
import { LiveStream } from './live.js';
import { renderFleet } from './fleet.js';
import { renderSite } from './site.js';
import { renderEvents } from './events.js';
import { renderReport } from './report.js';

const live = new LiveStream();
const view = document.getElementById('view');
const stateLine = document.getElementById('live-state');
let cleanup = () => {};

live.subscribe((kind, data) => {
  if (kind !== 'state') return;
  stateLine.textContent = data === 'open' ? 'live' : 'reconnecting…';
  stateLine.className = `live-state ${data === 'open' ? 'ok' : 'warn'}`;
});

function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
  const site = /^\/sites\/([^/]+)$/.exec(hash);
  const page = site !== null ? 'site' : hash === '/events' ? 'events' : hash === '/report' ? 'report' : 'fleet';
  for (const a of document.querySelectorAll('nav a[data-nav]')) {
    if (a.dataset.nav === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  cleanup();
  view.innerHTML = '<p>Loading…</p>';
  const ctx = { live };
  if (site !== null) cleanup = renderSite(view, ctx, site[1]);
  else if (page === 'events') cleanup = renderEvents(view, ctx);
  else if (page === 'report') cleanup = renderReport(view, ctx);
  else cleanup = renderFleet(view, ctx);
}

window.addEventListener('hashchange', route);
// uPlot loads as a deferred classic script: modules run after it, so the global is there.
live.start();
route();
