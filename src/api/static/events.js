/* global document */
// DR events: the public read-only summary (GET /api/v1/dashboard/events), and the events page
// with status, targets, window and, with a read_all token, the measured performance.
import { esc, failure, getJson, localTime, num, setToken, token } from './util.js';

/** {ok: true, list} or {ok: false, message} (no registry, controller unreachable). */
export async function loadEvents() {
  const r = await getJson('/api/v1/dashboard/events');
  if (r.ok) return { ok: true, list: r.body };
  return { ok: false, list: [], message: r.status === 404 ? 'This controller keeps no DR events (no registry).' : `Cannot read the events: ${failure(r)}` };
}

/** Events that address `siteId` (by name, or all sites). */
export function eventsFor(list, siteId) {
  return list.filter((e) => e.siteIds === null || e.siteIds.includes(siteId));
}

/** The signal of the event's current (else first) interval, as "IMPORT_CAPACITY_LIMIT 450 kW". */
export function signalText(e, nowMs = Date.now()) {
  const current = e.intervals.find((i) => Date.parse(i.start) <= nowMs && (i.end === null || nowMs < Date.parse(i.end))) ?? e.intervals[0];
  if (current === undefined) return '';
  return current.signals.map((s) => `${s.type} ${num(s.value, s.unit === 'level' ? 0 : 1)} ${s.unit}`).join(', ');
}

function performanceView(p) {
  if (!p || !Array.isArray(p.sites)) return `<pre>${esc(JSON.stringify(p, null, 2))}</pre>`;
  const rows = p.sites.map((s) => {
    const fields = Object.entries(s).filter(([, v]) => typeof v === 'number' || typeof v === 'string');
    return `<li><strong>${esc(s.siteId ?? s.id ?? '')}</strong>: ${fields.filter(([k]) => k !== 'siteId').map(([k, v]) => `${esc(k)} ${esc(typeof v === 'number' ? num(v, 2) : v)}`).join(' · ')}</li>`;
  });
  return `<p>status ${esc(p.status)} · computed ${localTime(p.computedAt)}</p><ul>${rows.join('')}</ul>
    <details><summary>Full answer (JSON)</summary><pre>${esc(JSON.stringify(p, null, 2))}</pre></details>`;
}

/** A small form for the optional bearer token (kept in sessionStorage, sent only on reads). */
export function tokenForm(onChange) {
  const form = document.createElement('form');
  form.className = 'token';
  form.innerHTML = `<label for="token-input">Access token <small>(optional, read_all: for performance and reports that need one)</small></label>
    <input id="token-input" type="password" autocomplete="off" value="${esc(token())}"> <button type="submit">Use</button>`;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setToken(form.querySelector('input').value.trim());
    onChange();
  });
  return form;
}

export function renderEvents(root, { live }) {
  let alive = true;
  root.innerHTML = `<h2>DR events</h2><div id="token-slot"></div><div id="events-table">Loading…</div>`;
  root.querySelector('#token-slot').appendChild(tokenForm(() => refresh()));

  async function refresh() {
    const ev = await loadEvents();
    if (!alive) return;
    const box = root.querySelector('#events-table');
    if (!ev.ok) {
      box.innerHTML = `<p class="muted">${ev.message}</p>`;
      return;
    }
    if (ev.list.length === 0) {
      box.innerHTML = '<p class="muted">No DR events in the last 7 days, and none upcoming.</p>';
      return;
    }
    box.innerHTML = `<div class="scroll"><table class="events-table"><caption>Events (pending, active, and ended within 7 days), newest first</caption>
      <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Targets</th><th scope="col">Window</th><th scope="col">Signal</th><th scope="col">Performance</th></tr></thead>
      <tbody>${ev.list.map((e) => `<tr data-event="${esc(e.id)}">
        <th scope="row">${esc(e.name ?? e.id)}<br><small>${esc(e.id)} · program ${esc(e.programId)}</small></th>
        <td><span class="badge ${esc(e.status)}">${esc(e.status)}</span>${e.cancelledAt !== null ? `<br><small>cancelled ${localTime(e.cancelledAt)}</small>` : ''}</td>
        <td>${e.siteIds === null ? 'all enrolled sites' : e.siteIds.map((s) => `<a href="#/sites/${encodeURIComponent(s)}">${esc(s)}</a>`).join(', ')}${e.groups.length > 0 ? `<br><small>groups ${esc(e.groups.join(', '))}</small>` : ''}</td>
        <td>${localTime(e.start)} – ${localTime(e.end)}</td>
        <td>${esc(signalText(e))}</td>
        <td>${e.status === 'pending' ? '<span class="muted">after it starts</span>' : `<button type="button" data-perf="${esc(e.id)}">Show</button> <a href="/api/v1/events/${encodeURIComponent(e.id)}/performance">JSON</a><div class="perf" aria-live="polite"></div>`}</td>
      </tr>`).join('')}</tbody></table></div>`;
    for (const button of box.querySelectorAll('button[data-perf]')) {
      button.addEventListener('click', async () => {
        const out = button.parentElement.querySelector('.perf');
        out.textContent = 'Loading…';
        const r = await getJson(`/api/v1/events/${encodeURIComponent(button.dataset.perf)}/performance`, { auth: true });
        out.innerHTML = r.ok ? performanceView(r.body)
          : r.status === 401 || r.status === 403 ? '<span class="muted">Needs a token with read_all (enter one above).</span>' : `<span class="muted">${failure(r)}</span>`;
      });
    }
  }

  refresh();
  const off = live.subscribe((kind) => {
    if (kind === 'event-status') refresh();
  });
  return () => {
    alive = false;
    off();
  };
}
