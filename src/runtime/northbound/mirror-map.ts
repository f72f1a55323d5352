import { createHash } from 'node:crypto';
import { formatDateTime } from '../../events/index.js';
import type { OpenAdrBody } from '../../store/index.js';

/**
 * Upstream (VTN) OpenADR objects -> the bodies of their local mirrors. Pure: no I/O, time
 * comes in. A mirror keeps the upstream object's fields (the spec allows fields it does not
 * name, so the tag travels in the body and survives a restart) with our id, our program id and
 * targets naming our sites, and carries UPSTREAM_TAG: where it came from, a digest of the
 * upstream body (an update is a changed digest), and, for events, what was reported back.
 */
export const UPSTREAM_TAG = 'x-vpp-upstream';

export interface ReportState {
  /** The report id the VTN gave, or null when it answered without one. */
  readonly id: string | null;
  readonly atMs: number;
  /** Set when the VTN refused it for good (a 4xx it will answer again): not retried. */
  readonly refused?: string;
}

export interface UpstreamTag {
  readonly vtnUrl: string;
  /** The upstream object's id (for an event also its programID): reports name these. */
  readonly id: string;
  readonly programID?: string;
  readonly digest: string;
  readonly report?: ReportState;
}

const OBJECT_ID = /^[a-zA-Z0-9_-]{1,128}$/;

/** `nb-<upstream id>` (readable, and the same on every poll, so a second poll finds the first's mirror); hashed when too long. */
export function localId(upstreamId: string): string {
  const id = `nb-${upstreamId}`;
  return OBJECT_ID.test(id) ? id : `nb-${createHash('sha256').update(upstreamId).digest('hex').slice(0, 40)}`;
}

/** Digest of an upstream object as received: the same JSON gives the same digest. */
export function digestOf(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 22);
}

/** The tag of a local body, or null when the body is not a mirror (of this VTN, when vtnUrl is given). */
export function tagOf(body: OpenAdrBody, vtnUrl?: string): UpstreamTag | null {
  const t = body[UPSTREAM_TAG];
  if (typeof t !== 'object' || t === null) return null;
  const tag = t as Partial<UpstreamTag>;
  if (typeof tag.vtnUrl !== 'string' || typeof tag.id !== 'string' || typeof tag.digest !== 'string') return null;
  if (vtnUrl !== undefined && tag.vtnUrl !== vtnUrl) return null;
  return tag as UpstreamTag;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export interface MirrorContext {
  readonly vtnUrl: string;
  /** Our sites the upstream objects apply to (config northbound.sites). */
  readonly siteIds: readonly string[];
  readonly nowMs: number;
}

/** Server-filled fields of a local mirror: created stays that of the first mirror, modified is now. */
function stamped(up: Readonly<Record<string, unknown>>, objectType: string, id: string, createdMs: number | undefined, nowMs: number): Record<string, unknown> {
  return { ...up, id, objectType, createdDateTime: formatDateTime(createdMs ?? nowMs), modificationDateTime: formatDateTime(nowMs) };
}

/** The local program mirroring an upstream one; its targets name our sites, so our site credentials see it. */
export function localProgramBody(up: Readonly<Record<string, unknown>>, ctx: MirrorContext, programName: string, createdMs?: number): OpenAdrBody {
  const id = str(up['id']) ?? '';
  return {
    ...stamped(up, 'PROGRAM', localId(id), createdMs, ctx.nowMs),
    programName,
    targets: [{ type: 'VEN_NAME', values: [...ctx.siteIds] }],
    // The sites are in the digest too: a changed `northbound.sites` re-targets the mirror.
    [UPSTREAM_TAG]: { vtnUrl: ctx.vtnUrl, id, digest: digestOf([up, ctx.siteIds]) } satisfies UpstreamTag,
  };
}

/**
 * The sites an upstream event addressed to our VEN applies to: those its RESOURCE_NAME targets
 * name (our sites are the VEN's resources at the VTN), else every mapped site.
 */
export function eventSites(up: Readonly<Record<string, unknown>>, siteIds: readonly string[]): string[] {
  const targets = Array.isArray(up['targets']) ? (up['targets'] as unknown[]) : [];
  const named = targets
    .filter((t): t is { type: string; values: unknown[] } => typeof t === 'object' && t !== null && (t as { type?: unknown }).type === 'RESOURCE_NAME' && Array.isArray((t as { values?: unknown }).values))
    .flatMap((t) => t.values)
    .filter((v): v is string => typeof v === 'string' && siteIds.includes(v));
  return named.length > 0 ? [...new Set(named)] : [...siteIds];
}

/** The local event mirroring an upstream one: our program id, VEN_NAME targets naming our sites; a report state already recorded is kept. */
export function localEventBody(up: Readonly<Record<string, unknown>>, ctx: MirrorContext, localProgramId: string, createdMs?: number, report?: ReportState): OpenAdrBody {
  const id = str(up['id']) ?? '';
  const sites = eventSites(up, ctx.siteIds);
  const tag: UpstreamTag = { vtnUrl: ctx.vtnUrl, id, programID: str(up['programID']) ?? '', digest: digestOf([up, sites]), ...(report === undefined ? {} : { report }) };
  return {
    ...stamped(up, 'EVENT', localId(id), createdMs, ctx.nowMs),
    programID: localProgramId,
    targets: [{ type: 'VEN_NAME', values: sites }],
    [UPSTREAM_TAG]: tag,
  };
}

/** The same body with the tag's report state set (after a report was sent or refused). */
export function withReport(body: OpenAdrBody, report: ReportState): OpenAdrBody {
  const tag = tagOf(body);
  if (tag === null) return body;
  return { ...body, [UPSTREAM_TAG]: { ...tag, report } };
}
