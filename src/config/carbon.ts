import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** A grid carbon factor from a `time,kgPerKwh` CSV: each row's value holds until the next row. */
export interface CarbonSeries {
  /** The file read, resolved against the config file's directory. */
  readonly csv: string;
  readonly points: readonly { readonly atMs: number; readonly kgPerKwh: number }[];
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const HEADER = 'time,kgPerKwh';

/**
 * Reads `carbon: {csv: FILE}` as a scenario's carbon CSV (CONTRACTS.md): header `time,kgPerKwh`,
 * ISO 8601 times with an offset, strictly increasing, values >= 0 (e.g. hourly marginal factors).
 * Read while the config loads, so a bad file fails `vpp config check` with its line number.
 */
export function readCarbonCsv(path: string, baseDir: string, field: string, problems: ConfigProblem[]): CarbonSeries | undefined {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot be read (${(err as Error).message})`;
    problems.push({ path: field, message: `${why} (looked for ${file}), got ${JSON.stringify(path)}` });
    return undefined;
  }
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  if (header !== HEADER) {
    problems.push({ path: field, message: `${path} line 1: header must be ${HEADER}, got ${JSON.stringify(header)}` });
    return undefined;
  }
  const before = problems.length;
  const points: { atMs: number; kgPerKwh: number }[] = [];
  const bad = (n: number, what: string, got: string): void => {
    // The first few bad rows only: a broken export would flood the output.
    if (problems.length - before < 5) problems.push({ path: field, message: `${path} line ${n}: ${what}, got ${JSON.stringify(got)}` });
  };
  lines.slice(1).forEach((line, i) => {
    const n = i + 2;
    if (line.trim() === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    const [time = '', raw = ''] = cells;
    if (cells.length !== 2) return bad(n, `must have 2 columns (${HEADER})`, line);
    const atMs = ISO_WITH_OFFSET.test(time) ? Date.parse(time) : NaN;
    if (!Number.isFinite(atMs)) return bad(n, 'time must be ISO 8601 with an offset, e.g. 2025-07-15T08:00:00+08:00', time);
    const kgPerKwh = raw === '' ? NaN : Number(raw);
    if (!Number.isFinite(kgPerKwh) || kgPerKwh < 0) return bad(n, 'kgPerKwh must be a number >= 0', raw);
    const prev = points.at(-1);
    if (prev !== undefined && atMs <= prev.atMs) return bad(n, 'time must be later than the row before', time);
    points.push({ atMs, kgPerKwh });
  });
  if (problems.length > before) return undefined;
  if (points.length === 0) {
    problems.push({ path: field, message: `${path} has no data rows` });
    return undefined;
  }
  return { csv: file, points };
}
