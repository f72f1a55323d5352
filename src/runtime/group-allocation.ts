import type { SiteSummary } from '../core/index.js';
import type { Enrolment } from '../domain/index.js';
import { allocateGroupShed, reallocate, type AllocationRecord } from '../events/index.js';

/** One GROUP shed in force now: the group's total and who may take part. */
export interface GroupShed {
  readonly eventId: string;
  /** The group's total shed now, kW (> 0). */
  readonly totalKw: number;
  /** How long the shed must still be held, s. */
  readonly holdS: number;
  /** The group's sites (reached through the GROUP only, not refused at the site): the allocation lists the ones it leaves out. */
  readonly siteIds: readonly string[];
  /** Their enrolments in the event's programme (a site without one gets no share). */
  readonly enrolments: readonly Enrolment[];
}

/** What the allocator sees of a site each tick. */
export interface SiteLive {
  readonly summary: SiteSummary | undefined;
  /** Metered import now (good readings only), kW. */
  readonly importKw: number | undefined;
  /** The import cap the site holds for this event now (baseline − share), kW; undefined while it has none. */
  capKw(eventId: string): number | undefined;
}

export interface GroupAllocatorOptions {
  /** A summary older than this is stale and its site failed, s; default 15. */
  readonly maxSummaryAgeS?: number;
  /** A site whose import stays above its cap (beyond the tolerance) this long has failed, s; default 20. */
  readonly failAfterS?: number;
  /** After an allocation a site is given this long to reach its cap before it can fail by import, s; default 10. */
  readonly graceS?: number;
  /** Every new allocation record (the audit trail: log, registry). */
  readonly onRecord: (record: AllocationRecord) => void;
}

interface State {
  record: AllocationRecord;
  totalKw: number;
  sinceMs: number;
  readonly failed: Map<string, string>;
  readonly overSinceMs: Map<string, number>;
}

export interface GroupAllocator {
  /** Allocates new sheds, re-allocates on failures, forgets ended ones; at most one record per event per tick. */
  update(sheds: readonly GroupShed[], live: (siteId: string) => SiteLive, nowMs: number): void;
  /** The site's current share of the event's group shed, kW; undefined without one. */
  shareKw(eventId: string, siteId: string): number | undefined;
  /** Why each failed site failed, by event. */
  failures(eventId: string): ReadonlyMap<string, string>;
}

/**
 * The live side of src/events allocateGroupShed/reallocate: a GROUP DISPATCH_SETPOINT_RELATIVE
 * is split when it comes into force (and again when its total changes), on the sites' live
 * summaries under their enrolments; a site fails mid-event when its summary goes stale or bad,
 * or when it stays above its cap for failAfterS (it cannot deliver), and its share moves to the
 * others at once. A failed site stays out of that event.
 */
export function createGroupAllocator(options: GroupAllocatorOptions): GroupAllocator {
  const maxAgeS = options.maxSummaryAgeS ?? 15;
  const failAfterMs = (options.failAfterS ?? 20) * 1000;
  const graceMs = (options.graceS ?? 10) * 1000;
  const states = new Map<string, State>();

  const summaries = (shed: GroupShed, live: (siteId: string) => SiteLive): SiteSummary[] =>
    shed.siteIds.map((id) => live(id).summary).filter((s): s is SiteSummary => s !== undefined);

  return {
    update: (sheds, live, nowMs) => {
      const inForce = new Set(sheds.map((s) => s.eventId));
      for (const id of [...states.keys()]) if (!inForce.has(id)) states.delete(id);
      for (const shed of sheds) {
        const opts = { atMs: nowMs, holdS: Math.max(1, shed.holdS), maxSummaryAgeS: maxAgeS, eventId: shed.eventId };
        const enrolments = (failed: ReadonlyMap<string, string>) => shed.enrolments.filter((e) => !failed.has(e.siteId));
        const st = states.get(shed.eventId);
        if (st === undefined || Math.abs(st.totalKw - shed.totalKw) > 1e-9) {
          const failed = st?.failed ?? new Map<string, string>();
          const record = allocateGroupShed(shed.totalKw, summaries(shed, live).filter((s) => !failed.has(s.siteId)), enrolments(failed), opts);
          states.set(shed.eventId, { record, totalKw: shed.totalKw, sinceMs: nowMs, failed, overSinceMs: new Map() });
          options.onRecord(record);
          continue;
        }
        const fresh: string[] = [];
        for (const { siteId, shedKw } of st.record.shares) {
          if (shedKw <= 0 || st.failed.has(siteId)) continue;
          const site = live(siteId);
          const s = site.summary;
          let why: string | undefined;
          if (s === undefined) why = 'no site summary';
          else if (s.quality !== 'good') why = `telemetry ${s.quality}`;
          else if (nowMs - s.atMs > maxAgeS * 1000) why = `telemetry ${Math.round((nowMs - s.atMs) / 1000)} s old`;
          else {
            const cap = site.capKw(shed.eventId);
            const over = cap !== undefined && site.importKw !== undefined && site.importKw > cap + Math.max(5, 0.1 * shedKw);
            if (!over || nowMs - st.sinceMs < graceMs) st.overSinceMs.delete(siteId);
            else if (!st.overSinceMs.has(siteId)) st.overSinceMs.set(siteId, nowMs);
            const since = st.overSinceMs.get(siteId);
            if (since !== undefined && nowMs - since >= failAfterMs) {
              why = `cannot deliver: import ${site.importKw?.toFixed(1)} kW above its cap ${cap?.toFixed(1)} kW for ${Math.round((nowMs - since) / 1000)} s`;
            }
          }
          if (why !== undefined) {
            st.failed.set(siteId, why);
            fresh.push(siteId);
          }
        }
        if (fresh.length === 0) continue;
        const record = reallocate(st.record, [...st.failed.keys()], summaries(shed, live), enrolments(new Map()), opts);
        st.record = record;
        st.sinceMs = nowMs;
        st.overSinceMs.clear();
        options.onRecord(record);
      }
    },
    shareKw: (eventId, siteId) => {
      const st = states.get(eventId);
      if (st === undefined || st.failed.has(siteId)) return undefined;
      return st.record.shares.find((s) => s.siteId === siteId)?.shedKw;
    },
    failures: (eventId) => states.get(eventId)?.failed ?? new Map(),
  };
}
