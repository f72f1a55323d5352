import { parseArgs } from 'node:util';
import { OPERATING_MODES, type OperatingMode } from '../domain/index.js';

/** Exit status of `vpp mode`: 0 done, 1 the server refused or could not be reached, 2 bad arguments. */
export const MODE_EXIT = { ok: 0, refused: 1, usage: 2 } as const;

export interface ModeArgs {
  readonly siteId: string;
  readonly assetId: string | null;
  /** null: print the current modes. */
  readonly mode: OperatingMode | null;
  readonly reason: string | null;
  readonly kw: number | null;
  readonly url: string;
  readonly token: string | null;
  readonly json: boolean;
}

/** The answer of GET/PUT …/mode, as far as the CLI prints it. */
interface ModesJson {
  siteId: string;
  mode: string;
  setpointKw: number | null;
  assets: Array<{ id: string; kind: string; mode: string; setpointKw: number | null; source: string }>;
  changes: Array<{ assetId: string | null; mode: string; setpointKw: number | null; who: string; reason: string; time: string }>;
}

export const MODE_USAGE = 'expected: vpp mode SITE[/ASSET] [auto|shadow|manual|off] [--reason TEXT] [--kw N] [--url URL] [--token TOKEN] [--json]';

/** Parses the arguments after `mode`; a string is the problem to report (exit 2). */
export function parseModeArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ModeArgs | string {
  // `--kw -40` (discharge) is the common case, but parseArgs reads -40 as an option: join it.
  const args = argv.flatMap((a, i) => (a === '--kw' && /^-\d/.test(argv[i + 1] ?? '') ? [] : i > 0 && argv[i - 1] === '--kw' && /^-\d/.test(a) ? [`--kw=${a}`] : [a]));
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { reason: { type: 'string' }, kw: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (err) {
    return (err as Error).message;
  }
  const { values, positionals } = parsed;
  const [target, modeArg, ...extra] = positionals;
  if (target === undefined || extra.length > 0) return MODE_USAGE;
  const m = /^([A-Za-z0-9][A-Za-z0-9_.-]*)(?:\/([A-Za-z0-9][A-Za-z0-9_.-]*))?$/.exec(target);
  if (m === null) return `SITE[/ASSET]: expected ids like demo-plant or demo-plant/bess, got ${JSON.stringify(target)}`;
  const mode = modeArg === undefined ? null : OPERATING_MODES.find((x) => x === modeArg);
  if (mode === undefined) return `mode must be one of ${OPERATING_MODES.join(', ')}, got ${JSON.stringify(modeArg)}`;
  let kw: number | null = null;
  if (values.kw !== undefined) {
    kw = values.kw.trim() === '' ? NaN : Number(values.kw);
    if (!Number.isFinite(kw)) return `--kw must be a number of kW, got ${JSON.stringify(values.kw)}`;
  }
  const reason = values.reason ?? null;
  if (mode !== null && (reason === null || reason.trim() === '')) return `--reason is required to set a mode (recorded with who set it)`;
  if (mode === 'manual' && kw === null) return '--kw is required with manual (kW, load convention: < 0 discharge)';
  if (mode !== 'manual' && kw !== null) return `--kw is only for manual, got --kw with ${mode ?? 'no mode'}`;
  if (mode === null && reason !== null) return '--reason is only for setting a mode';
  const port = env.VPP_HTTP_PORT !== undefined && env.VPP_HTTP_PORT !== '' ? env.VPP_HTTP_PORT : '8080';
  const url = (values.url ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(url)) return `--url must be http(s)://host:port, got ${JSON.stringify(values.url)}`;
  const token = values.token ?? (env.VPP_TOKEN !== undefined && env.VPP_TOKEN !== '' ? env.VPP_TOKEN : null);
  return { siteId: m[1] as string, assetId: m[2] ?? null, mode, reason, kw, url, token, json: values.json === true };
}

const cellKw = (v: number | null): string => (v === null ? '-' : String(v));

/** Aligned table of a site's modes (only the asset's row when one is named) and its last changes. */
export function formatModes(m: ModesJson, assetId: string | null): string {
  const lines = [`site ${m.siteId}  mode ${m.mode}${m.setpointKw === null ? '' : ` ${m.setpointKw} kW`}`];
  const rows = [['asset', 'kind', 'mode', 'setpointKw', 'from']];
  for (const a of m.assets) if (assetId === null || a.id === assetId) rows.push([a.id, a.kind, a.mode, cellKw(a.setpointKw), a.source]);
  lines.push(...table(rows));
  if (m.changes.length > 0) {
    lines.push('', 'latest changes:');
    const ch = m.changes.map((c) => [c.time, c.assetId === null ? m.siteId : `${m.siteId}/${c.assetId}`, c.mode, cellKw(c.setpointKw), c.who, c.reason]);
    lines.push(...table([['time', 'target', 'mode', 'setpointKw', 'who', 'reason'], ...ch]));
  }
  return `${lines.join('\n')}\n`;
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd());
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Runs `vpp mode`: GET or PUT the mode, print the site's modes. */
export async function runMode(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseModeArgs(argv, env);
  if (typeof args === 'string') {
    process.stderr.write(`vpp mode: ${oneLine(args)}\n`);
    return MODE_EXIT.usage;
  }
  const path = `/api/v1/sites/${encodeURIComponent(args.siteId)}${args.assetId !== null && args.mode !== null ? `/assets/${encodeURIComponent(args.assetId)}` : ''}/mode`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (args.token !== null) headers.authorization = `Bearer ${args.token}`;
  const init: RequestInit =
    args.mode === null
      ? { method: 'GET', headers }
      : {
          method: 'PUT',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ mode: args.mode, reason: args.reason, ...(args.kw !== null ? { setpointKw: args.kw } : {}) }),
        };
  let res: Response;
  try {
    res = await fetch(`${args.url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    process.stderr.write(`vpp mode: cannot reach ${args.url}: ${oneLine(cause)}\n`);
    return MODE_EXIT.refused;
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const detail = (body as { detail?: unknown } | undefined)?.detail;
    process.stderr.write(`vpp mode: HTTP ${res.status}: ${oneLine(typeof detail === 'string' ? detail : text.slice(0, 200))}\n`);
    return MODE_EXIT.refused;
  }
  if (!isModes(body)) {
    process.stderr.write(`vpp mode: unexpected answer from ${args.url}${path}: ${oneLine(text.slice(0, 200))}\n`);
    return MODE_EXIT.refused;
  }
  if (args.assetId !== null && !body.assets.some((a) => a.id === args.assetId)) {
    process.stderr.write(`vpp mode: site '${args.siteId}' has no asset '${args.assetId}'\n`);
    return MODE_EXIT.refused;
  }
  process.stdout.write(args.json ? `${JSON.stringify(body)}\n` : formatModes(body, args.assetId));
  return MODE_EXIT.ok;
}

function isModes(v: unknown): v is ModesJson {
  const o = v as Partial<ModesJson> | null | undefined;
  return typeof o === 'object' && o !== null && typeof o.siteId === 'string' && typeof o.mode === 'string' && Array.isArray(o.assets) && Array.isArray(o.changes);
}
