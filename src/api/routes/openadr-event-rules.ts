import type { DrEvent, DrInterval } from '../../domain/index.js';
import type { OpenAdrBody, Registry } from '../../store/index.js';

/**
 * What an event body must satisfy beyond the 3.0.1 schema, as `field: why`, or null: its
 * program exists and every VEN_NAME target names a known ven (our site), so an event never
 * silently reaches nobody through a typo.
 */
export async function eventReferenceProblem(registry: Registry, body: OpenAdrBody): Promise<string | null> {
  const programId = body['programID'];
  if (typeof programId !== 'string' || (await registry.programs.get(programId)) === null) {
    return `programID: no program ${JSON.stringify(programId)}`;
  }
  const targets = Array.isArray(body['targets']) ? (body['targets'] as unknown[]) : [];
  for (const [i, t] of targets.entries()) {
    const map = t as { type?: unknown; values?: unknown };
    if (map.type !== 'VEN_NAME' || !Array.isArray(map.values)) continue;
    for (const [j, v] of (map.values as unknown[]).entries()) {
      const known = typeof v === 'string' && (await registry.vens.list({ columns: { ven_name: v }, limit: 1 })).length > 0;
      if (!known) return `targets.${i}.values.${j}: no ven (site) named ${JSON.stringify(v)}`;
    }
  }
  return null;
}

function endOf(i: DrInterval): number {
  return i.durationS === null ? Infinity : i.startMs + i.durationS * 1000;
}

/**
 * A PUT of an event that has started may only shorten or cancel it: sites are already acting
 * on it, and a limit raised or moved mid-event cannot be undone at sites that acted on the old
 * one. So the program, targets and priority stay, and every interval of the new body must be
 * an interval of the old one (same id, start and payloads) ending no later. Cancelling is
 * DELETE. Returns why the change is refused, or null.
 */
export function startedEventChangeProblem(old: DrEvent, next: DrEvent): string | null {
  if (next.programId !== old.programId) return 'programID cannot change once the event has started';
  if (JSON.stringify(next.targets) !== JSON.stringify(old.targets)) return 'targets cannot change once the event has started';
  if (next.priority !== old.priority) return 'priority cannot change once the event has started';
  for (const [k, it] of next.intervals.entries()) {
    const was = old.intervals.find((o) => o.id === it.id && o.startMs === it.startMs);
    if (was === undefined) return `intervals.${k}: once the event has started, no interval may be added or moved (id ${it.id})`;
    if (JSON.stringify(was.signals) !== JSON.stringify(it.signals)) return `intervals.${k}.payloads cannot change once the event has started`;
    if (endOf(it) > endOf(was)) return `intervals.${k}: once the event has started, an interval may only be shortened`;
    if (it.randomizeStartS !== was.randomizeStartS) return `intervals.${k}: randomizeStart cannot change once the event has started`;
  }
  return null;
}
