import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../config/index.js';
import { runStart } from './start.js';

/**
 * The `vpp` command. Exit codes: 0 done, 1 runtime failure, 2 bad arguments or invalid config.
 * stdout carries only the command's output; logs and errors go to stderr.
 */
const USAGE = `Usage: vpp <command> [options]

Commands:
  start [--config FILE]     run the controller (default config: config/default.yaml, or $VPP_CONFIG)
  config check FILE         validate a config file; one line per problem, exit 2 when invalid

Environment: VPP_HTTP_PORT, VPP_DATA_DIR, VPP_INFLUX_URL override the config file.`;

export const DEFAULT_CONFIG = 'config/default.yaml';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args: [...rest], options: { config: { type: 'string', short: 'c' } }, strict: true });
      const code = await runStart(values.config ?? process.env.VPP_CONFIG ?? DEFAULT_CONFIG);
      // Everything was closed and flushed; leave now even if a library left a handle open.
      process.exit(code);
      return code;
    }
    case 'config': {
      const [sub, file, ...extra] = rest;
      if (sub !== 'check' || file === undefined || extra.length > 0) return usage('expected: vpp config check FILE');
      return configCheck(file);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      return usage(`unknown command '${command}'`);
  }
}

function configCheck(file: string): number {
  try {
    const cfg = loadConfigFile(file, process.env);
    const assets = cfg.sites.reduce((n, s) => n + s.site.assets.length, 0);
    process.stdout.write(`${file}: ok (${cfg.sites.length} site${cfg.sites.length === 1 ? '' : 's'}, ${assets} assets, store ${cfg.store.kind})\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.lines().join('\n')}\n`);
      return 2;
    }
    throw err;
  }
}

function usage(problem: string): number {
  process.stderr.write(`vpp: ${problem}\n\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      process.exitCode = usage(e.message ?? 'bad arguments');
      return;
    }
    process.stderr.write(`vpp: ${e.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
