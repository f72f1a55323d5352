import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Static } from 'typebox';
import { Value } from 'typebox/value';
import { parseDocument } from 'yaml';
import { buildFaults } from './build-faults.js';
import { buildSites } from './build-sites.js';
import { buildCarbon, buildEvents, buildForecast, buildTariff, checkStepS, type BuildContext } from './build-top.js';
import { Problems, ScenarioError, schemaProblems, show } from './problems.js';
import { ASSET_SCHEMAS, AssetHeadSchema, FAULT_SCHEMAS, FaultHeadSchema, SCENARIO_VERSIONS, ScenarioTopSchema } from './schema/index.js';
import { isoOffsetMin, isoToMs } from './time.js';
import type { Scenario } from './types.js';

export interface ParseScenarioOptions {
  /** Where relative paths (profile and carbon CSVs) start; default the directory of `file`. */
  readonly baseDir?: string;
}

/** Reads and checks a scenario file; throws ScenarioError listing every problem. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(path, [{ path: '', message: `cannot be read: ${(err as Error).message}` }]);
  }
  return parseScenario(text, path);
}

/** Checks scenario YAML; `file` names the source in messages and anchors relative paths. */
export function parseScenario(text: string, file: string, opts: ParseScenarioOptions = {}): Scenario {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const reason = (e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, '');
        return { path: pos ? `line ${pos.line}, column ${pos.col}` : '', message: `YAML syntax: ${reason}` };
      }),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 10_000 });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ScenarioError(file, [{ path: '', message: `must be a mapping with version, name, start, ..., got ${show(raw)}` }]);
  }
  // Another version may give the same fields other meanings: stop before reading any of them.
  const version = (raw as { version?: unknown }).version;
  if (!SCENARIO_VERSIONS.includes(version as 1)) {
    const message = version === undefined ? 'is required' : `must be a supported version (${SCENARIO_VERSIONS.join(', ')}), got ${show(version)}`;
    throw new ScenarioError(file, [{ path: 'version', message: version === undefined ? `${message} (supported: ${SCENARIO_VERSIONS.join(', ')})` : message }]);
  }

  const problems = new Problems();
  problems.addAll(schemaProblems(ScenarioTopSchema, raw, ''));
  problems.addAll(entryProblems(raw));
  const top = raw as Partial<Static<typeof ScenarioTopSchema>>;
  const valid = <T>(key: keyof typeof ScenarioTopSchema.properties, v: T | undefined): v is T =>
    v !== undefined && Value.Check(ScenarioTopSchema.properties[key], v);

  const startMs = valid('start', top.start) ? isoToMs(top.start) : NaN;
  if (valid('start', top.start) && !Number.isFinite(startMs)) problems.add('start', 'is not a valid date', top.start);
  const durationS = valid('durationH', top.durationH) ? top.durationH * 3600 : NaN;
  const stepS = valid('stepS', top.stepS) ? top.stepS : NaN;
  const stepOk = Number.isFinite(stepS) && Number.isFinite(durationS) && checkStepS(stepS, durationS, problems);
  const seed = valid('seed', top.seed) ? top.seed : 1;
  const ctx: BuildContext = {
    problems,
    baseDir: opts.baseDir ?? dirname(resolve(file)),
    startMs: Number.isFinite(durationS) ? startMs : NaN,
    endMs: startMs + durationS * 1000,
    seed,
  };
  const startOffsetMin = valid('start', top.start) ? isoOffsetMin(top.start) : NaN;

  const forecast = valid('forecast', top.forecast) ? buildForecast(top.forecast, problems) : null;
  const tariff = valid('tariff', top.tariff) ? buildTariff(top.tariff, problems) : undefined;
  const carbon = valid('carbon', top.carbon) ? buildCarbon(top.carbon, ctx) : undefined;
  const sites = buildSites(Array.isArray(top.sites) ? top.sites : [], startOffsetMin, ctx);
  const events = buildEvents(Array.isArray(top.events) ? top.events : [], sites.siteIds, ctx);
  const faults = buildFaults(Array.isArray(top.faults) ? top.faults : [], sites.devices, sites.siteIds, ctx);

  if (problems.count > 0 || forecast === null || tariff === null || carbon === null || !stepOk) {
    throw new ScenarioError(file, problems.list);
  }
  return {
    version: 1,
    name: top.name ?? '',
    file,
    seed,
    startMs,
    startOffsetMin,
    durationS,
    endMs: ctx.endMs,
    stepS,
    steps: Math.round(durationS / stepS),
    forecast,
    ...(tariff !== undefined ? { tariff } : {}),
    ...(carbon !== undefined ? { carbon } : {}),
    sites: sites.sites,
    events,
    faults,
  };
}

/** Each asset and fault entry against the schema of its own type, so errors name real fields. */
function entryProblems(raw: object): ReturnType<typeof schemaProblems> {
  const out: ReturnType<typeof schemaProblems> = [];
  const r = raw as { sites?: unknown; faults?: unknown };
  if (Array.isArray(r.sites)) {
    r.sites.forEach((s: unknown, i) => {
      const assets = typeof s === 'object' && s !== null ? (s as { assets?: unknown }).assets : undefined;
      if (!Array.isArray(assets)) return;
      assets.forEach((a: unknown, j) => {
        const at = `sites[${i}].assets[${j}]`;
        const head = schemaProblems(AssetHeadSchema, a, at);
        out.push(...(head.length > 0 ? head : schemaProblems(ASSET_SCHEMAS[(a as { type: keyof typeof ASSET_SCHEMAS }).type], a, at)));
      });
    });
  }
  if (Array.isArray(r.faults)) {
    r.faults.forEach((x: unknown, i) => {
      const at = `faults[${i}]`;
      const head = schemaProblems(FaultHeadSchema, x, at);
      out.push(...(head.length > 0 ? head : schemaProblems(FAULT_SCHEMAS[(x as { kind: keyof typeof FAULT_SCHEMAS }).kind], x, at)));
    });
  }
  return out;
}
