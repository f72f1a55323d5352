/**
 * `npm run bench`: every benchmark, each figure printed beside its baseline measured in the
 * same run (these machines are noisy: only same-run comparisons mean something). Targets from
 * the issues are reported, never asserted.
 */
import { benchModbusServer } from './modbus-server.js';
import { benchStoreIngest } from './store-ingest.js';
import { benchSimulators } from './simulators.js';
import { benchBrain } from './brain.js';
import { benchAdapters } from './adapters.js';
import { benchApiEvents } from './api-events.js';
import { benchOperations } from './operations.js';
import { benchClusterScale } from './cluster-scale.js';
import type { BenchFigure } from './figure.js';

const suites: ReadonlyArray<readonly [string, () => Promise<BenchFigure[]>]> = [
  ['Modbus TCP server (modbus-serial client, one outstanding request)', benchModbusServer],
  ['Time-series store ingest', benchStoreIngest],
  ['Simulators (simulated year; 10,000 MQTT devices from one process)', benchSimulators],
  ['Brain (control cycle, planner LP, replay, peak vs the LP optimum)', benchBrain],
  ['Field adapters (Modbus, MQTT, OPC UA vs raw clients)', benchAdapters],
  ['API and DR events (event → setpoints, GET /sites, re-plans off the loop)', benchApiEvents],
  ['Operations (metrics per cycle, /metrics scrape)', benchOperations],
  ['Scale-out (2 controllers, PostgreSQL, Mosquitto, N devices, kill -9)', benchClusterScale],
];

const only = process.argv[2];
let failed = false;
for (const [title, run] of suites) {
  if (only !== undefined && !title.toLowerCase().includes(only.toLowerCase())) continue;
  process.stdout.write(`\n## ${title}\n`);
  try {
    for (const f of await run()) {
      const value = f.value >= 100 ? Math.round(f.value).toLocaleString('en-US') : f.value.toFixed(2);
      process.stdout.write(`  ${f.name.padEnd(48)} ${value.padStart(12)} ${f.unit}${f.baseline !== undefined ? `   (${f.baseline})` : ''}\n`);
    }
  } catch (err) {
    failed = true;
    process.stdout.write(`  FAILED: ${(err as Error).message}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
