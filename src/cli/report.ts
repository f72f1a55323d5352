import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile, type VppConfig } from '../config/index.js';
import { DEFAULT_SQLITE_FILE, REGISTRY_FILE, openPgRegistry, openRegistry, openStore, type Registry, type TimeSeriesStore } from '../store/index.js';
import { computeEnergyReport, energyReportCsv, energyReportHtml, gridCarbonOf } from '../api/index.js';

export const REPORT_FORMATS = ['json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportArgs {
  readonly fromMs: number;
  readonly toMs: number;
  readonly siteId: string | null;
  readonly format: ReportFormat;
  readonly dataDir: string | null;
  readonly config: string;
}

export const REPORT_USAGE = 'expected: vpp report --from ISO --to ISO [--site ID] [--format json|csv|html] [--data-dir DIR] [--config FILE]';
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function isoArg(name: string, v: string | undefined): number | string {
  if (v === undefined) return `--${name} is required (ISO 8601 with offset, e.g. 2025-07-01T00:00:00+08:00)`;
  const ms = ISO_WITH_OFFSET.test(v) ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : `--${name} must be ISO 8601 with an offset, e.g. 2025-07-01T00:00:00+08:00, got ${JSON.stringify(v)}`;
}

/** Parses the arguments after `report`; a string is the one-line problem to report (exit 2). */
export function parseReportArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ReportArgs | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { from: { type: 'string' }, to: { type: 'string' }, site: { type: 'string' }, format: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string', short: 'c' } },
    });
  } catch (err) {
    return (err as Error).message.split('\n')[0] ?? 'bad arguments';
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) return `unexpected argument ${JSON.stringify(positionals[0])}; ${REPORT_USAGE}`;
  const fromMs = isoArg('from', values.from);
  if (typeof fromMs === 'string') return fromMs;
  const toMs = isoArg('to', values.to);
  if (typeof toMs === 'string') return toMs;
  if (!(toMs > fromMs)) return `--to must be after --from (${values.from ?? ''}), got ${JSON.stringify(values.to)}`;
  const format = REPORT_FORMATS.find((f) => f === (values.format ?? 'json'));
  if (format === undefined) return `--format must be one of ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`;
  if (values.site !== undefined && values.site.trim() === '') return '--site must name a site id, got ""';
  if (values['data-dir'] !== undefined && values['data-dir'].trim() === '') return '--data-dir must name a directory, got ""';
  const envConfig = env.VPP_CONFIG !== undefined && env.VPP_CONFIG !== '' ? env.VPP_CONFIG : undefined;
  return { fromMs, toMs, siteId: values.site ?? null, format, dataDir: values['data-dir'] ?? null, config: values.config ?? envConfig ?? 'config/default.yaml' };
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** `vpp report`: the energy and carbon report from the store, on stdout. Exit 0, 1 failure, 2 bad arguments or config. */
export async function runReport(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseReportArgs(argv, env);
  if (typeof args === 'string') {
    process.stderr.write(`vpp report: ${oneLine(args)}\n`);
    return 2;
  }
  let cfg: VppConfig;
  try {
    // --data-dir outranks the environment, which outranks the file (as for every command).
    cfg = loadConfigFile(args.config, args.dataDir !== null ? { ...env, VPP_DATA_DIR: args.dataDir } : env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.lines().join('\n')}\n`);
    return 2;
  }
  const sites = cfg.sites.filter((s) => args.siteId === null || s.site.id === args.siteId);
  if (sites.length === 0) {
    process.stderr.write(`vpp report: --site: no site ${JSON.stringify(args.siteId)} in ${args.config} (sites: ${cfg.sites.map((s) => s.site.id).join(', ')})\n`);
    return 2;
  }
  const dataDir = cfg.store.kind === 'sqlite' ? cfg.store.dataDir : (args.dataDir ?? env.VPP_DATA_DIR ?? './data');
  if (cfg.store.kind === 'sqlite' && !existsSync(join(dataDir, DEFAULT_SQLITE_FILE))) {
    process.stderr.write(`vpp report: no store at ${join(dataDir, DEFAULT_SQLITE_FILE)} (--data-dir or VPP_DATA_DIR names the directory \`vpp start\` stores in)\n`);
    return 1;
  }
  let store: TimeSeriesStore | undefined;
  let registry: Registry | undefined;
  try {
    store = await openStore(cfg.store);
    // Events only where the controller has kept a registry: a report does not create one.
    // A cluster's registry is the shared one in PostgreSQL.
    if (cfg.cluster != null) registry = await openPgRegistry({ url: cfg.cluster.postgresUrl });
    else if (existsSync(join(dataDir, REGISTRY_FILE))) registry = openRegistry({ dataDir });
    else process.stderr.write(`vpp report: no registry in ${dataDir}: no DR event rows\n`);
    const report = await computeEnergyReport({
      store,
      sites: sites.map((cs) => {
        const carbon = gridCarbonOf(cs.planning);
        return { site: cs.site, ...(carbon !== undefined ? { carbon } : {}) };
      }),
      fromMs: args.fromMs,
      toMs: args.toMs,
      nowMs: Date.now(),
      ...(registry !== undefined ? { events: registry.events } : {}),
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    const out = args.format === 'json' ? `${JSON.stringify(report)}\n` : args.format === 'csv' ? energyReportCsv(report) : energyReportHtml(report);
    process.stdout.write(out);
    return 0;
  } finally {
    await registry?.close();
    await store?.close();
  }
}
