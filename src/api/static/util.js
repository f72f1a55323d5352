/* global fetch, sessionStorage */
// Small helpers shared by the dashboard pages: escaping, formatting, API reads.

const TOKEN_KEY = 'vpp.accessToken';

/** HTML-escapes any value for interpolation into markup. */
export function esc(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A number with a fixed number of decimals, or an em dash for null/undefined/NaN. */
export function num(value, decimals = 1) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(decimals) : '—';
}

/** A reading ({value, quality, time}) as markup: the value with its unit and its quality. */
export function reading(r, unit, decimals = 1) {
  if (r === undefined || r === null) return '<span class="muted">n/a</span>';
  const shown = r.value === null ? '—' : `${num(r.value, decimals)} ${esc(unit)}`;
  const flag = r.quality === 'good' ? '' : ` <span class="badge ${esc(r.quality)}">${esc(r.quality)}</span>`;
  return `<span class="value ${esc(r.quality)}" data-value="${r.value === null ? '' : r.value}" data-time="${esc(r.time)}">${shown}</span>${flag}`;
}

/** Seconds as "1 h 05 min" / "12 min" / "45 s". */
export function duration(s) {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '—';
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.round(s / 60)} min`;
  return `${Math.round(s)} s`;
}

/** An ISO time in a site's zone (or the browser's), as "2025-07-15 14:00 GMT+8". */
export function localTime(iso, timeZone) {
  if (iso === null || iso === undefined) return 'open-ended';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return esc(iso);
  // The zone is always named: the fleet and events pages use the browser's, a site page the site's.
  const opts = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' };
  try {
    return new Intl.DateTimeFormat('sv-SE', timeZone ? { ...opts, timeZone } : opts).format(d);
  } catch {
    return d.toISOString();
  }
}

/** The optional bearer token (sessionStorage) for reads that need read_all. */
export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lives for this page only */
  }
}

/**
 * GETs JSON from the API. Resolves {ok, status, body}; never throws for an HTTP status, so a
 * page can say politely what is missing (404: not there yet, 401/403: needs a token).
 */
export async function getJson(path, { auth = false } = {}) {
  const headers = { accept: 'application/json' };
  const t = auth ? token() : '';
  if (t) headers.authorization = `Bearer ${t}`;
  try {
    const res = await fetch(path, { headers });
    const type = res.headers.get('content-type') ?? '';
    const body = type.includes('json') ? await res.json() : await res.text();
    return { ok: res.ok, status: res.status, body };
  } catch (err) {
    return { ok: false, status: 0, body: { detail: `cannot reach the controller: ${err}` } };
  }
}

/** The problem+json detail of a failed read, or a plain description. */
export function failure(r) {
  if (r.status === 0) return esc(r.body.detail);
  const detail = r.body && typeof r.body === 'object' && typeof r.body.detail === 'string' ? `: ${r.body.detail}` : '';
  return `HTTP ${r.status}${esc(detail)}`;
}
