import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { VppError } from '../../src/domain/index.js';

/** One thing wrong with a scenario file: where (`sites[0].assets[4].capacityKwh`) and what. */
export interface ScenarioProblem {
  readonly path: string;
  readonly message: string;
}

export const SCENARIO_INVALID = 'SCENARIO_INVALID';

/**
 * Thrown when a scenario file cannot be used; carries every problem found, so one run of the
 * loader lists them all. The message is one line per problem: `file: path: reason, got value`.
 */
export class ScenarioError extends VppError {
  readonly file: string;
  readonly problems: readonly ScenarioProblem[];
  constructor(file: string, problems: readonly ScenarioProblem[]) {
    super(SCENARIO_INVALID, problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'ScenarioError';
    this.file = file;
    this.problems = problems;
  }
  lines(): string[] {
    return this.problems.map((p) => formatProblem(this.file, p));
  }
}

export function formatProblem(file: string, p: ScenarioProblem): string {
  return p.path === '' ? `${file}: ${p.message}` : `${file}: ${p.path}: ${p.message}`;
}

/** A short rendering of a value seen in a file, for `..., got <value>`. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function joinPath(base: string, field: string | number): string {
  if (typeof field === 'number') return `${base}[${field}]`;
  return base === '' ? field : `${base}.${field}`;
}

/** Collects problems while a scenario is checked; `got` is appended as `, got <value>`. */
export class Problems {
  readonly list: ScenarioProblem[] = [];
  add(path: string, message: string, got?: unknown, showGot = true): void {
    this.list.push({ path, message: showGot ? `${message}, got ${show(got)}` : message });
  }
  addAll(ps: readonly ScenarioProblem[]): void {
    this.list.push(...ps);
  }
  get count(): number {
    return this.list.length;
  }
}

interface SchemaIssue {
  readonly keyword: string;
  readonly schemaPath: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
}

/**
 * Checks `value` against `schema`: one problem per offending field, naming the field, the rule
 * and the value seen. A union (`anyOf`) is reported once, with its `description` as the rule,
 * instead of one line per branch it failed.
 */
export function schemaProblems(schema: TSchema, value: unknown, base: string): ScenarioProblem[] {
  if (Value.Check(schema, value)) return [];
  const out: ScenarioProblem[] = [];
  const seen = new Set<string>();
  for (const issue of Value.Errors(schema, value) as unknown as SchemaIssue[]) {
    // additionalProperties: false also reports each extra field as 'schema is false'.
    if (issue.keyword === 'boolean' || issue.schemaPath.includes('/anyOf/')) continue;
    const problem = describe(issue, schema, value, base);
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  }
  return out;
}

function pointerParts(pointer: string): string[] {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function pathOf(base: string, pointer: string): string {
  let out = base;
  for (const part of pointerParts(pointer)) out = joinPath(out, /^\d+$/.test(part) ? Number(part) : part);
  return out;
}

function at(root: unknown, parts: readonly string[]): unknown {
  let cur: unknown = root;
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const KIND_NAMES: Record<string, string> = { integer: 'an integer', number: 'a number', string: 'a string', object: 'a mapping', array: 'a list', boolean: 'true or false' };

function describe(issue: SchemaIssue, schema: TSchema, root: unknown, base: string): ScenarioProblem {
  const path = pathOf(base, issue.instancePath);
  const p = issue.params;
  const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);
  if (issue.keyword === 'additionalProperties') {
    return { path: joinPath(path, names(p.additionalProperties)[0] ?? '?'), message: 'unknown field (check its spelling and unit suffix)' };
  }
  if (issue.keyword === 'required') {
    return { path: joinPath(path, names(p.requiredProperties).join(',')), message: 'is required' };
  }
  let message = issue.message;
  switch (issue.keyword) {
    case 'type':
      message = `must be ${KIND_NAMES[String(p.type)] ?? String(p.type)}`;
      break;
    case 'enum':
      if (Array.isArray(p.allowedValues)) message = `must be one of ${p.allowedValues.map(String).join(', ')}`;
      break;
    case 'const':
      message = `must be ${JSON.stringify(p.allowedValue)}`;
      break;
    case 'pattern': {
      const s = at(schema, pointerParts(issue.schemaPath.replace(/^#/, '')));
      const hint = typeof s === 'object' && s !== null ? (s as { description?: unknown }).description : undefined;
      message = typeof hint === 'string' ? `must be ${hint}` : issue.message;
      break;
    }
    case 'minItems':
      message = `must have at least ${String(p.limit)} item(s)`;
      break;
    case 'anyOf': {
      const s = at(schema, pointerParts(issue.schemaPath.replace(/^#/, '')));
      const hint = typeof s === 'object' && s !== null ? (s as { description?: unknown }).description : undefined;
      message = `must be ${typeof hint === 'string' ? hint : 'one of the allowed forms'}`;
      break;
    }
  }
  return { path, message: `${message}, got ${show(at(root, pointerParts(issue.instancePath)))}` };
}
