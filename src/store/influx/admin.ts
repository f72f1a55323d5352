import { VppError } from '../../domain/index.js';
import type { Endpoint } from './endpoint.js';
import { rowsOf, type Row } from './encoding.js';

const ADMIN_TIMEOUT_MS = 60_000;

/**
 * POSTs one InfluxQL statement to /query (statements that write — CREATE, ALTER, SELECT INTO —
 * must be POSTed) and returns its rows. Only for statements built from validated values:
 * nothing from outside is spliced in unescaped.
 */
export async function influxPost(endpoint: Endpoint, database: string, q: string): Promise<Row[]> {
  const url = new URL(`${endpoint.protocol}://${endpoint.host}:${endpoint.port}/query`);
  const body = new URLSearchParams({ q, db: database, epoch: 'ms' });
  if (endpoint.username !== undefined) body.set('u', endpoint.username);
  if (endpoint.password !== undefined) body.set('p', endpoint.password);
  let text: string;
  let status: number;
  try {
    const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS) });
    status = res.status;
    text = await res.text();
  } catch (err) {
    throw new VppError('STORE_QUERY_FAILED', `InfluxDB ${firstWords(q)} failed: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new VppError('STORE_QUERY_FAILED', `InfluxDB ${firstWords(q)} answered ${status}: ${text.slice(0, 300)}`);
  }
  const error = (raw as { error?: unknown } | null)?.error;
  if (typeof error === 'string') throw new VppError('STORE_QUERY_FAILED', `InfluxDB ${firstWords(q)} failed: ${error}`);
  return rowsOf(raw, firstWords(q));
}

/** An identifier in double quotes (database, retention policy, measurement). */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function firstWords(q: string): string {
  return q.split(/\s+/).slice(0, 4).join(' ');
}
