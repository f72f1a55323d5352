import { QUALITIES, VppError } from '../../domain/index.js';
import type { Quality } from '../../domain/index.js';

/*
 * InfluxDB drops a tag whose value is empty, so a site-level series (no asset) is stored
 * under the sentinel '_site'. To keep the mapping one-to-one, a real asset id that starts
 * with '_' gets one more '_' in front: asset '_site' is stored as '__site'.
 */
export const SITE_LEVEL_TAG = '_site';

export function encodeAsset(assetId: string | undefined): string {
  if (assetId === undefined) return SITE_LEVEL_TAG;
  return assetId.startsWith('_') ? `_${assetId}` : assetId;
}

export function decodeAsset(tag: string): string | undefined {
  if (tag === SITE_LEVEL_TAG) return undefined;
  return tag.startsWith('_') ? tag.slice(1) : tag;
}

/** One statement's rows from InfluxDB's JSON answer, as plain objects keyed by column. */
export type Row = Readonly<Record<string, unknown>>;

/**
 * Reads the `/query` answer (external input: checked, not trusted). A statement without
 * `series` means no rows; an `error` in the answer becomes a VppError.
 */
export function rowsOf(raw: unknown, what: string): Row[] {
  const results = (raw as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.length !== 1) {
    throw badAnswer(what, 'results must be an array of one statement', results);
  }
  const stmt = results[0] as { error?: unknown; series?: unknown };
  if (typeof stmt.error === 'string') {
    throw new VppError('STORE_QUERY_FAILED', `InfluxDB ${what} failed: ${stmt.error}`);
  }
  if (stmt.series === undefined) return [];
  if (!Array.isArray(stmt.series)) throw badAnswer(what, 'series must be an array', stmt.series);
  const rows: Row[] = [];
  for (const s of stmt.series as unknown[]) {
    const { columns, values } = s as { columns?: unknown; values?: unknown };
    if (!Array.isArray(columns) || !Array.isArray(values)) throw badAnswer(what, 'series needs columns and values', s);
    for (const v of values as unknown[]) {
      if (!Array.isArray(v)) throw badAnswer(what, 'each value must be an array', v);
      const row: Record<string, unknown> = {};
      columns.forEach((c, i) => {
        row[String(c)] = v[i];
      });
      rows.push(row);
    }
  }
  return rows;
}

export function timeOf(row: Row, what: string): number {
  const t = row.time;
  if (typeof t !== 'number' || !Number.isSafeInteger(t)) throw badAnswer(what, 'time must be integer ms', t);
  return t;
}

export function finiteOf(row: Row, column: string, what: string): number {
  const v = row[column];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badAnswer(what, `${column} must be a finite number`, v);
  return v;
}

export function stringOf(row: Row, column: string, what: string): string {
  const v = row[column];
  if (typeof v !== 'string') throw badAnswer(what, `${column} must be a string`, v);
  return v;
}

export function qualityOf(row: Row, what: string): Quality {
  const q = row.quality;
  if (!(QUALITIES as readonly unknown[]).includes(q)) throw badAnswer(what, `quality must be one of ${QUALITIES.join('|')}`, q);
  return q as Quality;
}

function badAnswer(what: string, problem: string, value: unknown): VppError {
  return new VppError('STORE_DATA_CORRUPT', `InfluxDB answer to ${what}: ${problem}, got ${JSON.stringify(value)}`);
}
