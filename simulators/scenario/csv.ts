import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ISO_WITH_OFFSET_PATTERN } from './schema/index.js';
import type { Problems } from './problems.js';
import { isoToMs } from './time.js';

/**
 * Time series a scenario names by path (`time,powerKw` load lines, `time,kgPerKwh` carbon):
 * resolved relative to the scenario file, read and parsed while the scenario loads, so a bad
 * file fails at load time with its line number, not in the middle of a run.
 */
export interface CsvPoint {
  readonly atMs: number;
  readonly value: number;
}

export interface CsvSeriesSpec {
  /** Path as written in the scenario. */
  readonly path: string;
  /** Directory of the scenario file. */
  readonly baseDir: string;
  /** Header of the value column, e.g. `powerKw`. */
  readonly column: string;
  /** Smallest value allowed (a load never generates: 0). */
  readonly min: number;
  /** The series must have a value at this instant (first row at or before it). */
  readonly startMs: number;
  /** Field the problems are reported on, e.g. `sites[0].assets[1].profile.csv`. */
  readonly field: string;
}

const ISO_RE = new RegExp(ISO_WITH_OFFSET_PATTERN);

/** Reads and checks a series; adds problems and returns null when it cannot be used. */
export function readCsvSeries(spec: CsvSeriesSpec, problems: Problems): { readonly file: string; readonly points: CsvPoint[] } | null {
  const file = isAbsolute(spec.path) ? spec.path : resolve(spec.baseDir, spec.path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot be read (${(err as Error).message})`;
    problems.add(spec.field, `${reason} (looked for ${file})`, spec.path);
    return null;
  }
  const before = problems.count;
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  const expected = `time,${spec.column}`;
  if (header !== expected) {
    problems.add(spec.field, `${spec.path} line 1: header must be ${expected}`, header);
    return null;
  }
  const points: CsvPoint[] = [];
  const at = (n: number, what: string, got: unknown): void => {
    // Report the first few bad rows only: a broken export would otherwise flood the output.
    if (problems.count - before < 5) problems.add(spec.field, `${spec.path} line ${n}: ${what}`, got);
  };
  lines.slice(1).forEach((line, i) => {
    const n = i + 2;
    if (line.trim() === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    const [time = '', raw = ''] = cells;
    if (cells.length !== 2) return at(n, `must have 2 columns (${expected})`, line);
    const atMs = ISO_RE.test(time) ? isoToMs(time) : NaN;
    if (!Number.isFinite(atMs)) return at(n, 'time must be ISO 8601 with an offset, e.g. 2025-07-15T08:00:00+08:00', time);
    const value = raw === '' ? NaN : Number(raw);
    if (!Number.isFinite(value)) return at(n, `${spec.column} must be a number`, raw);
    if (value < spec.min) return at(n, `${spec.column} must be >= ${spec.min}`, value);
    const prev = points[points.length - 1];
    if (prev !== undefined && atMs <= prev.atMs) return at(n, 'time must be later than the row before', time);
    points.push({ atMs, value });
  });
  if (problems.count > before) return null;
  const first = points[0];
  if (first === undefined) {
    problems.add(spec.field, `${spec.path} has no data rows`, spec.path);
    return null;
  }
  if (first.atMs > spec.startMs) {
    problems.add(spec.field, `${spec.path} must have a value at the scenario start (first row at or before it)`, new Date(first.atMs).toISOString());
    return null;
  }
  return { file, points };
}
