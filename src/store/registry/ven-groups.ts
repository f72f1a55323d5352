import type { OpenAdrBody } from './openadr-table.js';

/**
 * The groups a ven (site) belongs to: the values of its OpenADR 3.0.1 `targets` of type GROUP
 * (a ven object carries targets; an event's GROUP target reaches every ven that names the group).
 */
export function venGroups(ven: OpenAdrBody): string[] {
  const targets = Array.isArray(ven['targets']) ? (ven['targets'] as unknown[]) : [];
  const out = new Set<string>();
  for (const t of targets) {
    if (typeof t !== 'object' || t === null) continue;
    const { type, values } = t as { type?: unknown; values?: unknown };
    if (type !== 'GROUP' || !Array.isArray(values)) continue;
    for (const v of values) if (typeof v === 'string' && v !== '') out.add(v);
  }
  return [...out].sort();
}

/** Site id (venName) → its groups, for every ven in the registry. */
export async function groupsBySite(vens: { list(): Promise<readonly { readonly body: OpenAdrBody }[]> }): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of await vens.list()) {
    const name = r.body['venName'];
    if (typeof name === 'string') out.set(name, venGroups(r.body));
  }
  return out;
}
