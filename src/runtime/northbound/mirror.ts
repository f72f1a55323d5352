import { VppError } from '../../domain/index.js';
import { eventStatus, fromOpenAdrEvent, fromOpenAdrProgram } from '../../events/index.js';
import type { EventRepository, OpenAdrBody, OpenAdrRepository } from '../../store/index.js';
import { validateOpenAdr } from '../../api/openadr/index.js';
import { localEventBody, localId, localProgramBody, tagOf, type MirrorContext } from './mirror-map.js';

export interface MirrorTarget {
  readonly programs: OpenAdrRepository;
  readonly events: EventRepository;
}

export interface MirrorOptions extends MirrorContext {
  /** null: every upstream program. */
  readonly programNames: readonly string[] | null;
  /** Upstream events that ended before this are history: not mirrored when first seen. */
  readonly historyBeforeMs: number;
}

export interface MirrorResult {
  readonly created: string[];
  readonly updated: string[];
  /** Local events cancelled (running) or deleted (pending) because the VTN no longer lists them. */
  readonly cancelled: string[];
  readonly deleted: string[];
  /** `upstream id: why`, for objects that could not be mirrored. */
  readonly skipped: string[];
}

type Json = Readonly<Record<string, unknown>>;

/** Upstream input is checked at the edge: the 3.0.1 schema of what a VTN returns, then our mapping. */
function checked(kind: 'program' | 'event', value: unknown): { ok: Json } | { why: string } {
  const problems = validateOpenAdr(kind, value, 'returned');
  if (problems.length > 0) return { why: `not an OpenADR 3.0.1 ${kind}: ${problems.slice(0, 3).join('; ')}` };
  return { ok: value as Json };
}

/**
 * Brings the local registry in line with what the VTN lists now: upstream programs and events
 * become (or update) their local mirrors, ids derived from the upstream ids so a repeated poll
 * finds them; a mirrored event the VTN no longer lists was cancelled (a running one: cancelled
 * from now, kept for M&V and the report; a pending one: deleted); a completed one is history and
 * stays. Upstream program deletions are not mirrored: deleting a local program would delete its
 * events' history. Call only with complete lists (a failed page must not read as deletions).
 */
export async function mirror(target: MirrorTarget, upPrograms: readonly unknown[], upEvents: readonly unknown[], opts: MirrorOptions): Promise<MirrorResult> {
  const result: MirrorResult = { created: [], updated: [], cancelled: [], deleted: [], skipped: [] };
  const programIds = new Map<string, string>(); // upstream program id -> local id, for programs mirrored now

  for (const raw of upPrograms) {
    const c = checked('program', raw);
    const upId = String((raw as { id?: unknown } | null)?.id ?? '?');
    if ('why' in c) { result.skipped.push(`program ${upId}: ${c.why}`); continue; }
    const name = String(c.ok['programName']);
    if (opts.programNames !== null && !opts.programNames.includes(name)) continue;
    const why = await upsertProgram(target.programs, c.ok, opts, result);
    if (why === null) programIds.set(upId, localId(upId));
    else result.skipped.push(`program ${upId}: ${why}`);
  }

  const listed = new Set<string>();
  for (const raw of upEvents) {
    const c = checked('event', raw);
    const upId = String((raw as { id?: unknown } | null)?.id ?? '?');
    listed.add(localId(upId));
    if ('why' in c) { result.skipped.push(`event ${upId}: ${c.why}`); continue; }
    const upProgramId = String(c.ok['programID']);
    // A VTN may show our VEN an event of a program it does not list to us (targeted at a group):
    // without a name filter it gets a placeholder program; with one, it is not ours to act on.
    if (!programIds.has(upProgramId) && opts.programNames === null) {
      const placeholder = { id: upProgramId, objectType: 'PROGRAM', createdDateTime: c.ok['createdDateTime'], programName: `upstream ${upProgramId}` };
      if ((await upsertProgram(target.programs, placeholder, opts, result)) === null) programIds.set(upProgramId, localId(upProgramId));
    }
    const programId = programIds.get(upProgramId);
    if (programId === undefined) continue;
    const why = await upsertEvent(target.events, c.ok, programId, opts, result);
    if (why !== null) result.skipped.push(`event ${upId}: ${why}`);
  }

  for (const r of await target.events.list({ includeHidden: true })) {
    if (listed.has(r.id) || tagOf(r.body, opts.vtnUrl) === null) continue;
    const rec = await target.events.get(r.id);
    if (rec === null || rec.cancelledMs !== null) continue;
    let status;
    try {
      status = eventStatus(fromOpenAdrEvent(rec.body), opts.nowMs);
    } catch {
      continue;
    }
    if (status === 'active') {
      await target.events.cancel(r.id, opts.nowMs);
      result.cancelled.push(r.id);
    } else if (status === 'pending') {
      await target.events.delete(r.id);
      result.deleted.push(r.id);
    }
  }
  return result;
}

async function upsertProgram(repo: OpenAdrRepository, up: Json, opts: MirrorOptions, result: MirrorResult): Promise<string | null> {
  const upId = String(up['id']);
  const id = localId(upId);
  const old = await repo.get(id);
  const oldTag = old === null ? null : tagOf(old.body);
  if (old !== null && oldTag === null) return `local program ${id} exists and is not a mirror; left alone`;
  const name = String(up['programName']);
  const body = localProgramBody(up, opts, name, old?.createdMs);
  if (oldTag !== null && oldTag.digest === tagOf(body)?.digest) return null;
  const write = async (b: OpenAdrBody): Promise<void> => {
    if (old === null) await repo.create(b, opts.nowMs);
    else await repo.update(id, b, opts.nowMs);
  };
  try {
    fromOpenAdrProgram(body);
    try {
      await write(body);
    } catch (err) {
      // A local program already has the name: the mirror is told apart by the upstream id.
      if (!(err instanceof VppError) || err.code !== 'REGISTRY_CONFLICT') throw err;
      await write({ ...body, programName: `${name} [upstream ${upId}]`.slice(0, 128) });
    }
    (old === null ? result.created : result.updated).push(id);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

async function upsertEvent(repo: EventRepository, up: Json, programId: string, opts: MirrorOptions, result: MirrorResult): Promise<string | null> {
  const id = localId(String(up['id']));
  const old = await repo.get(id);
  const oldTag = old === null ? null : tagOf(old.body);
  if (old !== null && oldTag === null) return `local event ${id} exists and is not a mirror; left alone`;
  // Once cancelled here it stays so: sites stopped acting on it.
  if (old !== null && old.cancelledMs !== null) return null;
  const body: OpenAdrBody = localEventBody(up, opts, programId, old?.createdMs, oldTag?.report);
  if (oldTag !== null && oldTag.digest === tagOf(body)?.digest) return null;
  try {
    const ev = fromOpenAdrEvent(body);
    if (old === null) {
      if (eventStatus(ev, opts.historyBeforeMs) === 'completed') return null;
      await repo.create(body, opts.nowMs);
      result.created.push(id);
    } else {
      await repo.update(id, body, opts.nowMs);
      result.updated.push(id);
    }
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
