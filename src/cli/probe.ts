import { probeDeviceProfile, probeSunSpec, type ProbeResult, type ProfileProbeResult } from '../../adapters/index.js';
import { VppError } from '../domain/errors.js';

/** Exit status of `vpp probe` (CONTRACTS.md): 0 read, 2 bad URL/arguments, 3 unreachable, 4 not SunSpec / profile mismatch. */
export const PROBE_EXIT = { ok: 0, usage: 2, unreachable: 3, notSunSpec: 4 } as const;

export interface ProbeArgs {
  readonly url: string;
  readonly profile?: string;
  readonly json: boolean;
  readonly timeoutMs?: number;
}

function exitFor(e: unknown): number {
  const code = e instanceof VppError ? e.code : '';
  if (code === 'BINDING_INVALID' || code === 'BINDING_UNSUPPORTED' || code === 'PROFILE_NOT_FOUND' || code === 'PROFILE_INVALID') return PROBE_EXIT.usage;
  if (code === 'NOT_SUNSPEC' || code === 'SUNSPEC_SHORT_BLOCK' || code === 'MODBUS_EXCEPTION' || code === 'PROFILE_MISMATCH') return PROBE_EXIT.notSunSpec;
  return PROBE_EXIT.unreachable;
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
}

/** The human form: who the device is, its models, then an aligned table of readings. */
export function formatProbe(r: ProbeResult): string {
  const d = r.device;
  const lines = [
    `${r.url}  ${[d.manufacturer, d.model].filter((x) => x !== null).join(' ') || '(no name)'}  serial ${d.serialNumber ?? '-'}  version ${d.version ?? '-'}`,
    `SunSpec at ${r.sunspec.baseAddress}: models ${r.sunspec.models.map((m) => `${m.id}@${m.address}+${m.length}`).join(', ')}`,
  ];
  lines.push(...readingsTable(r.assets));
  if (r.assets.length === 0) lines.push('(no model this project decodes)');
  return `${lines.join('\n')}\n`;
}

type Assets = ProbeResult['assets'] | ProfileProbeResult['assets'];

/** kind, model, metric, value, quality: numbers right-aligned (column 3), text left-aligned. */
function readingsTable(assets: Assets): string[] {
  const rows: string[][] = [['kind', 'model', 'metric', 'value', 'quality']];
  for (const a of assets) {
    for (const [metric, v] of Object.entries(a.readings)) rows.push([a.kind, a.model === null ? '-' : String(a.model), metric, v.value === null ? '-' : String(v.value), v.quality]);
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, c) => (c === 3 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd());
}

/** The human form of a probe through a profile: who the device is, the profile, the readings. */
export function formatProfileProbe(r: ProfileProbeResult): string {
  const d = r.device;
  const lines = [`${r.url}  ${[d.manufacturer, d.model].filter((x) => x !== null).join(' ') || '(no name)'}`, `profile ${r.profile.name}: ${r.profile.source}`, ...readingsTable(r.assets)];
  return `${lines.join('\n')}\n`;
}

/** Runs `vpp probe`; writes the result to stdout and one line to stderr on failure. */
export async function runProbe(args: ProbeArgs): Promise<number> {
  if (args.profile !== undefined) return runProfileProbe(args, args.profile);
  if (!/^modbus(-rtu)?:/i.test(args.url)) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(args.url)?.[1];
    process.stderr.write(`vpp probe: ${JSON.stringify(args.url)}: ${scheme === undefined ? 'is not a URL' : `scheme ${scheme}: is not supported by probe`} (expected modbus://host:port/unit or modbus-rtu:///dev/tty…?unit=N)\n`);
    return PROBE_EXIT.usage;
  }
  try {
    const result = await probeSunSpec(args.url, args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs });
    process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : formatProbe(result));
    return PROBE_EXIT.ok;
  } catch (e) {
    process.stderr.write(`vpp probe: ${oneLine(e)}\n`);
    return exitFor(e);
  }
}

async function runProfileProbe(args: ProbeArgs, profile: string): Promise<number> {
  try {
    const result = await probeDeviceProfile(args.url, profile, args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs });
    process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : formatProfileProbe(result));
    return PROBE_EXIT.ok;
  } catch (e) {
    process.stderr.write(`vpp probe: ${oneLine(e)}\n`);
    return exitFor(e);
  }
}
