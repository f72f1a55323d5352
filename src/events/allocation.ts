import type { SiteSummary } from '../core/index.js';
import type { Enrolment } from '../domain/index.js';
import { atLeastAt, finiteAt, invalid, positiveAt } from './validate.js';

/**
 * Splitting a fleet request ("shed N kW in total" to a GROUP) across the group's sites, on the
 * site-level summaries only (they travel over MQTT between controller processes), and moving
 * a failed site's share to the others. Every result is a record for the audit trail.
 */
export interface SiteShare {
  readonly siteId: string;
  readonly shedKw: number;
}

export interface ExcludedSite {
  readonly siteId: string;
  readonly why: string;
}

export interface AllocationRecord {
  readonly atMs: number;
  readonly reason: 'allocation' | 'reallocation';
  readonly eventId?: string;
  readonly requestedKw: number;
  /** Sorted by site id; sites with nothing to give are left out. */
  readonly shares: readonly SiteShare[];
  readonly allocatedKw: number;
  /** requestedKw − allocatedKw: what the group cannot deliver (0 when it can). */
  readonly shortfallKw: number;
  readonly excluded: readonly ExcludedSite[];
  /** Reallocation only: the sites whose shares were moved. */
  readonly failedSiteIds?: readonly string[];
}

export interface AllocationOptions {
  readonly atMs: number;
  /** How long the shed must be held (the event's remaining duration at `atMs`), s. */
  readonly holdS: number;
  /** A summary older than this at `atMs` is stale, s. Default 60. */
  readonly maxSummaryAgeS?: number;
  readonly eventId?: string;
}

interface Candidate { readonly siteId: string; readonly weightKw: number; readonly capKw: number }

const bySiteId = (a: { siteId: string }, b: { siteId: string }): number => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0);

/**
 * Per-site shed for a group total. A site takes part when it is enrolled (`enrolments`, those
 * of the event's programme), its summary is good and fresh. Its flexibility is the decrease it
 * can hold for `holdS`: decreaseKw, or decreaseKw × decreaseDurationS / holdS when it can hold
 * it for less (the energy it has, spread over the event). Shares are proportional to that
 * flexibility, each capped by it and by the enrolment's maxShedKw; what a capped site cannot
 * take goes to the others (water-filling), and what no one can take is the shortfall.
 * Deterministic and independent of input order.
 */
export function allocateGroupShed(
  totalKw: number,
  sites: readonly SiteSummary[],
  enrolments: readonly Enrolment[],
  options: AllocationOptions,
): AllocationRecord {
  atLeastAt('totalKw', totalKw, 0);
  const { candidates, excluded } = candidatesOf(sites, enrolments, options, new Map());
  const shares = distribute(totalKw, candidates);
  return record('allocation', totalKw, shares, excluded, options);
}

/**
 * Moves the shares of `failedSiteIds` (and any earlier shortfall) to the other sites: each
 * keeps its share and takes more up to its headroom now, min(flexibility it can still hold
 * for `holdS` (its summary already reflects what it is shedding), maxShedKw − its share), in
 * proportion to that flexibility. A failed site gets nothing.
 */
export function reallocate(
  previous: AllocationRecord,
  failedSiteIds: readonly string[],
  sites: readonly SiteSummary[],
  enrolments: readonly Enrolment[],
  options: AllocationOptions,
): AllocationRecord {
  const failed = new Set(failedSiteIds);
  const kept = new Map(previous.shares.filter((s) => !failed.has(s.siteId)).map((s) => [s.siteId, s.shedKw]));
  const { candidates, excluded } = candidatesOf(sites.filter((s) => !failed.has(s.siteId)), enrolments, options, kept);
  const keptKw = [...kept.values()].reduce((a, b) => a + b, 0);
  const extra = distribute(Math.max(0, previous.requestedKw - keptKw), candidates);
  const total = new Map(kept);
  for (const s of extra) total.set(s.siteId, (total.get(s.siteId) ?? 0) + s.shedKw);
  const shares = [...total].map(([siteId, shedKw]) => ({ siteId, shedKw }));
  const why = [...failed].sort().map((siteId) => ({ siteId, why: 'failed mid-event' }));
  return {
    ...record('reallocation', previous.requestedKw, shares, [...why, ...excluded.filter((e) => !failed.has(e.siteId))].sort(bySiteId), options),
    failedSiteIds: [...failed].sort(),
  };
}

function candidatesOf(
  sites: readonly SiteSummary[],
  enrolments: readonly Enrolment[],
  options: AllocationOptions,
  alreadyKw: ReadonlyMap<string, number>,
): { candidates: Candidate[]; excluded: ExcludedSite[] } {
  finiteAt('options.atMs', options.atMs);
  const holdS = positiveAt('options.holdS', options.holdS);
  const maxAgeMs = atLeastAt('options.maxSummaryAgeS', options.maxSummaryAgeS ?? 60, 0) * 1000;
  const byEnrolment = new Map<string, Enrolment>();
  for (const e of enrolments) {
    if (byEnrolment.has(e.siteId)) throw invalid('enrolments', 'must hold one enrolment per site', e.siteId);
    byEnrolment.set(e.siteId, e);
  }
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  const excluded: ExcludedSite[] = [];
  for (const s of [...sites].sort(bySiteId)) {
    if (seen.has(s.siteId)) throw invalid('sites', 'must hold one summary per site', s.siteId);
    seen.add(s.siteId);
    const enrolment = byEnrolment.get(s.siteId);
    const f = s.flexibility;
    const ageMs = options.atMs - s.atMs;
    let why: string | undefined;
    if (enrolment === undefined) why = 'not enrolled';
    else if (s.quality !== 'good') why = `summary quality ${s.quality}`;
    else if (ageMs > maxAgeMs) why = `summary ${ageMs / 1000} s old (> ${maxAgeMs / 1000} s)`;
    else if (![f.decreaseKw, f.decreaseDurationS].every((x) => Number.isFinite(x) && x >= 0)) why = 'flexibility not a finite number >= 0';
    if (why !== undefined || enrolment === undefined) {
      excluded.push({ siteId: s.siteId, why: why ?? 'not enrolled' });
      continue;
    }
    const heldKw = f.decreaseDurationS >= holdS ? f.decreaseKw : (f.decreaseKw * f.decreaseDurationS) / holdS;
    const room = (enrolment.limits.maxShedKw ?? Infinity) - (alreadyKw.get(s.siteId) ?? 0);
    const capKw = Math.max(0, Math.min(heldKw, room));
    if (capKw <= 0) {
      excluded.push({ siteId: s.siteId, why: heldKw <= 0 ? 'no decrease flexibility for the duration' : 'at its maxShedKw' });
      continue;
    }
    candidates.push({ siteId: s.siteId, weightKw: heldKw, capKw });
  }
  return { candidates, excluded };
}

/** Water-filling: proportional to weight, capped, the excess of capped sites passed on. */
function distribute(amountKw: number, candidates: readonly Candidate[]): SiteShare[] {
  const shares = new Map<string, number>();
  let open = [...candidates];
  let leftKw = amountKw;
  while (open.length > 0 && leftKw > 1e-9) {
    const weight = open.reduce((a, c) => a + c.weightKw, 0);
    const full = open.filter((c) => (leftKw * c.weightKw) / weight >= c.capKw);
    if (full.length === 0) {
      for (const c of open) shares.set(c.siteId, (leftKw * c.weightKw) / weight);
      leftKw = 0;
      break;
    }
    for (const c of full) {
      shares.set(c.siteId, c.capKw);
      leftKw -= c.capKw;
    }
    open = open.filter((c) => !full.includes(c));
  }
  return [...shares].map(([siteId, shedKw]) => ({ siteId, shedKw }));
}

function record(reason: AllocationRecord['reason'], requestedKw: number, shares: readonly SiteShare[], excluded: readonly ExcludedSite[], options: AllocationOptions): AllocationRecord {
  const sorted = shares.filter((s) => s.shedKw > 0).sort(bySiteId);
  const allocatedKw = sorted.reduce((a, s) => a + s.shedKw, 0);
  return {
    atMs: options.atMs,
    reason,
    ...(options.eventId === undefined ? {} : { eventId: options.eventId }),
    requestedKw,
    shares: sorted,
    allocatedKw,
    shortfallKw: Math.max(0, requestedKw - allocatedKw),
    excluded: [...excluded].sort(bySiteId),
  };
}
