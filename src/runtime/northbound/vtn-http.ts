import { VppError } from '../../domain/index.js';

export interface VtnHttpOptions {
  /** OpenADR base URL without a trailing slash (…/api/v1). */
  readonly vtnUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly timeoutS: number;
  /** Clock for token expiry; default Date.now. */
  readonly nowMs?: () => number;
}

export interface VtnResponse {
  readonly status: number;
  /** Parsed JSON when the answer is JSON, else the text (problem details, an HTML error page...). */
  readonly body: unknown;
}

/** Refresh this long before the VTN says the token expires, so a request never carries a dying one. */
const EXPIRY_MARGIN_MS = 30_000;
/** OpenADR list endpoints page; 3.0.1 caps `limit` at 50 on our server, others may cap lower. */
const PAGE = 50;

/**
 * HTTP to an OpenADR 3 VTN as a VEN: an OAuth2 client-credentials token (RFC 6749 §4.4) taken
 * at the token URL, kept until shortly before `expires_in` runs out, and taken again once when
 * the VTN answers 401 (it may have restarted or revoked it). Node's fetch (undici) with a
 * per-request timeout. Transport failures throw VppError NORTHBOUND_UNREACHABLE; a refused
 * token NORTHBOUND_AUTH; other statuses are returned for the caller to judge.
 */
export class VtnHttp {
  private token: { readonly value: string; readonly expiresAtMs: number } | null = null;
  private readonly nowMs: () => number;

  constructor(private readonly options: VtnHttpOptions) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<VtnResponse> {
    const first = await this.send(method, path, await this.bearer(), body);
    if (first.status !== 401) return first;
    this.token = null;
    return this.send(method, path, await this.bearer(), body);
  }

  /** Every object of a list endpoint, page by page until an empty page (a VTN may cap `limit` below ours). */
  async list(path: string, query: Readonly<Record<string, string>> = {}): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let skip = 0; ; ) {
      const qs = new URLSearchParams({ ...query, skip: String(skip), limit: String(PAGE) });
      const res = await this.request('GET', `${path}?${qs.toString()}`);
      if (res.status !== 200) throw new VppError('NORTHBOUND_HTTP', `GET ${this.options.vtnUrl}${path}: HTTP ${res.status}${detailOf(res.body)}`);
      if (!Array.isArray(res.body)) throw new VppError('NORTHBOUND_INVALID', `GET ${this.options.vtnUrl}${path}: expected a JSON array, got ${kindOf(res.body)}`);
      out.push(...(res.body as unknown[]));
      if (res.body.length === 0) return out;
      skip += res.body.length;
    }
  }

  /** Forgets the token (tests; a changed secret). */
  forgetToken(): void {
    this.token = null;
  }

  private async bearer(): Promise<string> {
    if (this.token !== null && this.nowMs() < this.token.expiresAtMs) return this.token.value;
    const { tokenUrl, clientId, clientSecret } = this.options;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    const res = await this.fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() });
    const json = (res.body ?? {}) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    if (res.status !== 200 || typeof json.access_token !== 'string' || json.access_token === '') {
      const why = typeof json.error === 'string' ? `${json.error}${typeof json.error_description === 'string' ? `: ${json.error_description}` : ''}` : detailOf(res.body);
      throw new VppError('NORTHBOUND_AUTH', `token request to ${tokenUrl} as ${clientId} refused: HTTP ${res.status} ${why}`.trim());
    }
    // No expires_in: keep it an hour (or until the VTN answers 401).
    const ttlMs = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in * 1000 : 3_600_000;
    this.token = { value: json.access_token, expiresAtMs: this.nowMs() + Math.max(ttlMs - EXPIRY_MARGIN_MS, ttlMs / 2) };
    return this.token.value;
  }

  private send(method: string, path: string, token: string, body?: unknown): Promise<VtnResponse> {
    return this.fetch(`${this.options.vtnUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  private async fetch(url: string, init: RequestInit): Promise<VtnResponse> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutS * 1000) });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${this.options.timeoutS} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new VppError('NORTHBOUND_UNREACHABLE', `${init.method ?? 'GET'} ${url}: ${why}`, { cause: err });
    }
    const isJson = /json/i.test(res.headers.get('content-type') ?? '');
    if (!isJson || text === '') return { status: res.status, body: text };
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      return { status: res.status, body: text };
    }
  }
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `text ${JSON.stringify(v.slice(0, 80))}` : typeof v;
}

/** `: <detail>` of a problem+json answer (or the start of a text one), for error messages. */
export function detailOf(body: unknown): string {
  if (typeof body === 'object' && body !== null && typeof (body as { detail?: unknown }).detail === 'string') return `: ${(body as { detail: string }).detail}`;
  if (typeof body === 'string' && body !== '') return `: ${body.slice(0, 200)}`;
  return '';
}
