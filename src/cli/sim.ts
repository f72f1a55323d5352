import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError, loadConfigFile } from '../config/index.js';
import { VppError } from '../domain/index.js';
import { ScenarioError, loadScenarioFile, startScenario, type Scenario, type SimEndpoint } from '../../simulators/index.js';
import { scenarioFromConfig } from '../runtime/sim-config.js';

export interface SimArgs {
  readonly file: string;
  readonly speed: number;
  readonly portBase: number;
  readonly json: boolean;
  readonly mqttUrl?: string;
  /** Interface to serve on, also the host named in the endpoint URLs (compose: the service's hostname); default 127.0.0.1. */
  readonly host?: string;
}

/** A scenario file says `version:`; a controller config does not. */
function loadAny(file: string): Scenario {
  let head: unknown;
  try {
    head = parse(readFileSync(file, 'utf8'));
  } catch {
    head = null; // the loaders below report read and syntax errors with the file named
  }
  const isScenario = head !== null && typeof head === 'object' && 'version' in head;
  return isScenario ? loadScenarioFile(file) : scenarioFromConfig(loadConfigFile(file, process.env));
}

function table(endpoints: readonly SimEndpoint[]): string {
  const rows = endpoints.map((e) => [e.site, e.asset, e.kind, e.protocol, e.node !== undefined ? `${e.url} ${e.node}` : e.url]);
  const header = ['SITE', 'ASSET', 'KIND', 'PROTOCOL', 'URL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/**
 * `vpp sim`: serves a scenario's (or a config's) simulated devices on loopback until
 * SIGINT/SIGTERM. stdout: one JSON line per endpoint with --json (CONTRACTS.md), else a table.
 */
export async function runSim(args: SimArgs): Promise<number> {
  let scenario: Scenario;
  try {
    scenario = loadAny(args.file);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ScenarioError) {
      process.stderr.write(`${err.lines().join('\n')}\n`);
      return 2;
    }
    if (err instanceof VppError) {
      process.stderr.write(`vpp sim: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const run = await startScenario({
    scenario,
    speed: args.speed,
    portBase: args.portBase,
    ...(args.mqttUrl !== undefined ? { mqttUrl: args.mqttUrl } : {}),
    ...(args.host !== undefined ? { host: args.host } : {}),
    onEnd: () => process.stderr.write(`vpp sim: the scenario's end (${new Date(scenario.endMs).toISOString()}) is reached; the devices keep answering with time stopped\n`),
  });
  process.stdout.write(args.json ? run.endpoints.map((e) => JSON.stringify(e)).join('\n') + '\n' : `${table(run.endpoints)}\n`);
  process.stderr.write(
    `vpp sim: ${scenario.name}: ${run.endpoints.length} endpoints, sim clock from ${new Date(scenario.startMs).toISOString()} at ${args.speed}× wall time; Ctrl-C stops\n`,
  );
  return new Promise<number>((resolve) => {
    const stop = () => {
      run.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
