import { writeFileSync } from 'node:fs';
import { VppError } from '../domain/index.js';
import { replayCsv, replayReportHtml, replayScenario, type ReplayControllerName, type ReplayResult } from '../runtime/replay/index.js';
import { ScenarioError, loadScenarioFile, type Scenario } from '../../simulators/index.js';

export const REPLAY_CONTROLLERS: readonly ReplayControllerName[] = ['plan', 'peak-shaving', 'static-threshold', 'none'];

export interface ReplayArgs {
  readonly file: string;
  readonly json: boolean;
  readonly csv?: string;
  readonly report?: string;
  readonly controller: ReplayControllerName;
}

/** The CONTRACTS.md object: exactly its keys (balanceError and series stay internal). */
function contractJson(r: ReplayResult): string {
  return JSON.stringify({ scenario: r.scenario, steps: r.steps, wallMs: r.wallMs, sites: r.sites, events: r.events });
}

const f1 = (x: number): string => x.toFixed(1);

function summary(r: ReplayResult): string {
  const lines = [`${r.scenario}: ${r.steps} steps replayed in ${r.wallMs} ms`];
  for (const s of r.sites) {
    const soc = Object.entries(s.minSocPct).map(([id, v]) => `${id} ${f1(v)}..${f1(s.endSocPct[id] ?? NaN)} %`).join(', ');
    lines.push(
      `  ${s.id}: peak ${f1(s.peakImportKw)} kW (uncontrolled ${f1(s.uncontrolledPeakImportKw)} kW), import ${f1(s.importKwh)} kWh, export ${f1(s.exportKwh)} kWh, ` +
        `cost ${s.cost.toFixed(2)}, CO2 ${f1(s.co2Kg)} kg, limit violations ${s.limitViolationMinutes} min${soc === '' ? '' : `, SoC min..end ${soc}`}`,
    );
  }
  for (const e of r.events) {
    lines.push(`  event ${e.id} @ ${e.site}: cap ${e.requestedKw} kW, baseline ${f1(e.baselineKw)} kW, mean ${f1(e.meanImportKw)} kW, max ${f1(e.maxImportKw)} kW, compliant ${f1(e.compliantPct)} %`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `vpp replay`: stdout is one JSON object (--json) or a short summary; progress goes to stderr
 * about every 10 %. Exit 2 on a bad scenario (one line per problem), 1 on a failure.
 */
export async function runReplay(args: ReplayArgs): Promise<number> {
  let scenario: Scenario;
  try {
    scenario = loadScenarioFile(args.file);
  } catch (err) {
    if (err instanceof ScenarioError) {
      process.stderr.write(`${err.lines().join('\n')}\n`);
      return 2;
    }
    if (err instanceof VppError) {
      process.stderr.write(`vpp replay: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let lastTenth = -1;
  const result = await replayScenario(scenario, {
    controller: args.controller,
    collectSeries: args.csv !== undefined || args.report !== undefined,
    onProgress: (done, total) => {
      const tenth = Math.floor((10 * done) / total);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      process.stderr.write(`vpp replay: ${scenario.name}: ${tenth * 10} % (${done}/${total} steps)\n`);
    },
  });
  if (args.csv !== undefined) writeFileSync(args.csv, replayCsv(result, scenario.startOffsetMin));
  if (args.report !== undefined) writeFileSync(args.report, replayReportHtml(result, scenario));
  process.stdout.write(args.json ? `${contractJson(result)}\n` : summary(result));
  return 0;
}
