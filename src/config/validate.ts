import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { ConfigProblem } from './types.js';
import { joinPath, pointerToPath } from './errors.js';

interface SchemaIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
}

/**
 * Checks `value` against a schema and returns one problem per offending field, each naming
 * the field (prefixed with `base`), the rule broken and the value seen.
 */
export function schemaProblems(schema: TSchema, value: unknown, base: string): ConfigProblem[] {
  if (Value.Check(schema, value)) return [];
  const out: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const issue of Value.Errors(schema, value) as unknown as SchemaIssue[]) {
    // `additionalProperties: false` reports each extra field twice (once as 'schema is false').
    if (issue.keyword === 'boolean') continue;
    const problem = describe(issue, value, base);
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  }
  return out;
}

function describe(issue: SchemaIssue, root: unknown, base: string): ConfigProblem {
  const at = pointerToPath(issue.instancePath);
  const path = at === '' ? base : base === '' ? at : `${base}${at.startsWith('[') ? '' : '.'}${at}`;
  if (issue.keyword === 'additionalProperties') {
    const extra = issue.params.additionalProperties;
    const names = Array.isArray(extra) ? extra.map(String) : [String(extra)];
    return { path: joinPath(path, names[0] ?? '?'), message: 'unknown field (check its spelling and unit suffix)' };
  }
  if (issue.keyword === 'required') {
    const missing = issue.params.requiredProperties;
    const names = Array.isArray(missing) ? missing.map(String) : [String(missing)];
    return { path: joinPath(path, names.join(',')), message: 'is required' };
  }
  const seen = valueAt(root, issue.instancePath);
  let message = issue.message;
  if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
    message = `must be one of ${issue.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { path, message: `${message}, got ${show(seen)}` };
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
