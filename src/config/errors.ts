import { VppError } from '../domain/index.js';
import type { ConfigProblem } from './types.js';

/** Thrown when a config file is invalid; carries every problem found, not just the first. */
export class ConfigError extends VppError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  constructor(file: string, problems: readonly ConfigProblem[]) {
    super('CONFIG_INVALID', problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
  }
  /** One line per problem: `config/default.yaml: sites[0].assets[2].capacityKwh: must be > 0`. */
  lines(): string[] {
    return this.problems.map((p) => formatProblem(this.file, p));
  }
}

export function formatProblem(file: string, p: ConfigProblem): string {
  return p.path === '' ? `${file}: ${p.message}` : `${file}: ${p.path}: ${p.message}`;
}

/** JSON pointer `/sites/0/assets/2/capacityKwh` → `sites[0].assets[2].capacityKwh`. */
export function pointerToPath(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

export function joinPath(base: string, field: string | number): string {
  if (typeof field === 'number') return `${base}[${field}]`;
  return base === '' ? field : `${base}.${field}`;
}
