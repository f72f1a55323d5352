import { format, parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../config/index.js';

/**
 * The `vpp` command. Exit codes: 0 done, 1 runtime failure, 2 bad arguments or invalid config.
 * stdout carries only the command's output; logs and errors go to stderr.
 */
const USAGE = `Usage: vpp <command> [options]

Commands:
  start [--config FILE]     run the controller (default config: config/default.yaml, or $VPP_CONFIG)
  config check FILE         validate a config file; one line per problem, exit 2 when invalid
  probe URL [--profile NAME] [--json]
                            read a device once (modbus:// or modbus-rtu://: SunSpec discovery, or
                            the register map config/devices/NAME.yaml); exit 3 unreachable,
                            4 not SunSpec / profile mismatch
  certs list|trust|reject [THUMBPRINT] [--json]
                            OPC UA server certificates: unknown ones are rejected until trusted
  clients add --role operator|site|viewer [--site ID] [--json] | clients list [--json] | clients disable ID
                            API credentials in $VPP_DATA_DIR (default ./data); add prints the secret once
  sim FILE [--speed N] [--port-base P] [--json] [--mqtt-url URL] [--host H]
                            serve a scenario's (or a config's) simulated devices on loopback:
                            Modbus TCP per site from P (default 15020), OPC UA and MQTT after;
                            --speed: simulated seconds per wall second (default 1);
                            --host: interface to serve on and name in the URLs (default 127.0.0.1)
  replay FILE [--json] [--csv FILE] [--report FILE.html] [--controller plan|peak-shaving|static-threshold|none]
                            run a scenario in closed loop on simulated physics and clock
                            (no network, no waiting) and print its KPIs; progress on stderr
  mode SITE[/ASSET] [auto|shadow|manual|off] [--reason TEXT] [--kw N] [--url URL] [--token TOKEN] [--json]
                            show or set operating modes through the API (token: --token or $VPP_TOKEN);
                            exit 1 refused by the server
  report --from ISO --to ISO [--site ID] [--format json|csv|html] [--data-dir DIR] [--config FILE]
                            energy and carbon report from the store (per site and district, per
                            day and month); progress on stderr

Environment: VPP_HTTP_PORT, VPP_DATA_DIR, VPP_INFLUX_URL override the config file.`;

export const DEFAULT_CONFIG = 'config/default.yaml';

// stdout is the command's output only (CONTRACTS.md): libraries that log with console.log
// (node-opcua prints its warnings there) go to stderr. The CLI writes its output explicitly.
console.log = (...args: unknown[]) => void process.stderr.write(`${format(...args)}\n`);
console.info = console.log;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args: [...rest], options: { config: { type: 'string', short: 'c' } }, strict: true });
      const { runStart } = await import('./start.js');
      const code = await runStart(values.config ?? process.env.VPP_CONFIG ?? DEFAULT_CONFIG);
      // Everything was closed and flushed; leave now even if a library left a handle open.
      process.exit(code);
      return code;
    }
    case 'sim': {
      const { values, positionals } = parseArgs({
        args: [...rest],
        allowPositionals: true,
        strict: true,
        options: { speed: { type: 'string' }, 'port-base': { type: 'string' }, json: { type: 'boolean' }, 'mqtt-url': { type: 'string' }, host: { type: 'string' } },
      });
      const [file, ...extra] = positionals;
      if (file === undefined || extra.length > 0) return usage('expected: vpp sim FILE [--speed N] [--port-base P] [--json]');
      const speed = Number(values.speed ?? '1');
      if (!Number.isFinite(speed) || speed <= 0 || speed > 100000) return usage(`--speed must be a number in (0, 100000], got ${JSON.stringify(values.speed)}`);
      const portBase = Number(values['port-base'] ?? '15020');
      if (!Number.isInteger(portBase) || portBase < 0 || portBase > 65000) return usage(`--port-base must be a port 0..65000 (0 = free ports), got ${JSON.stringify(values['port-base'])}`);
      // Loaded on demand: the simulators pull in node-opcua, which other commands do not need.
      const { runSim } = await import('./sim.js');
      const code = await runSim({
        file,
        speed,
        portBase,
        json: values.json === true,
        ...(values['mqtt-url'] !== undefined ? { mqttUrl: values['mqtt-url'] } : {}),
        ...(values.host !== undefined ? { host: values.host } : {}),
      });
      process.exit(code);
      return code;
    }
    case 'probe': {
      const { values, positionals } = parseArgs({ args: [...rest], allowPositionals: true, strict: true, options: { profile: { type: 'string' }, json: { type: 'boolean' } } });
      const [url, ...extra] = positionals;
      if (url === undefined || extra.length > 0) return usage('expected: vpp probe URL [--profile NAME] [--json]');
      const { runProbe } = await import('./probe.js');
      return runProbe({ url, json: values.json === true, ...(values.profile !== undefined ? { profile: values.profile } : {}) });
    }
    case 'replay': {
      const { values, positionals } = parseArgs({
        args: [...rest],
        allowPositionals: true,
        strict: true,
        options: { json: { type: 'boolean' }, csv: { type: 'string' }, report: { type: 'string' }, controller: { type: 'string' } },
      });
      const [file, ...extra] = positionals;
      if (file === undefined || extra.length > 0) return usage('expected: vpp replay FILE [--json] [--csv FILE] [--report FILE.html] [--controller NAME]');
      // Loaded on demand: the replay pulls in the simulators and the LP solver.
      const { runReplay, REPLAY_CONTROLLERS } = await import('./replay.js');
      const controller = REPLAY_CONTROLLERS.find((c) => c === (values.controller ?? 'plan'));
      if (controller === undefined) return usage(`--controller must be one of ${REPLAY_CONTROLLERS.join(', ')}, got ${JSON.stringify(values.controller)}`);
      return runReplay({
        file,
        json: values.json === true,
        controller,
        ...(values.csv !== undefined ? { csv: values.csv } : {}),
        ...(values.report !== undefined ? { report: values.report } : {}),
      });
    }
    case 'certs': {
      const { values, positionals } = parseArgs({ args: [...rest], allowPositionals: true, strict: true, options: { json: { type: 'boolean' } } });
      const [sub, thumbprint, ...extra] = positionals;
      if (extra.length > 0) return usage('expected: vpp certs list|trust|reject [THUMBPRINT]');
      const { runCerts } = await import('./certs.js');
      return runCerts(sub, thumbprint, values.json === true);
    }
    case 'mode': {
      const { runMode } = await import('./mode.js');
      return runMode(rest, process.env);
    }
    case 'report': {
      const { runReport } = await import('./report.js');
      return runReport(rest, process.env);
    }
    case 'clients': {
      const { values, positionals } = parseArgs({
        args: [...rest],
        allowPositionals: true,
        strict: true,
        options: { role: { type: 'string' }, site: { type: 'string' }, json: { type: 'boolean' } },
      });
      const [sub, ...args] = positionals;
      const { runClients } = await import('./clients.js');
      const dataDir = process.env.VPP_DATA_DIR !== undefined && process.env.VPP_DATA_DIR !== '' ? process.env.VPP_DATA_DIR : './data';
      return runClients({ sub, args, json: values.json === true, dataDir, ...(values.role !== undefined ? { role: values.role } : {}), ...(values.site !== undefined ? { site: values.site } : {}) });
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
