import { summariseSite, toSiteSummary } from '../core/index.js';
import type { DrEvent, DrSignal, Enrolment, Site, SiteState } from '../domain/index.js';
import {
  activeSignals,
  checkDispatch,
  enrolledSite,
  eventStatus,
  eventWindow,
  intervalWindow,
  parseEnrolment,
  targetsSite,
  type AllocationRecord,
  type DispatchCheck,
} from '../events/index.js';
import { groupsBySite, type Registry, type TimeSeriesStore } from '../store/index.js';
import { createGroupAllocator, type GroupAllocatorOptions, type GroupShed } from './group-allocation.js';
import { signalsWithinEnrolment } from './dr-signals.js';
import { createLiveBaselines } from './live-baseline.js';
import type { Logger } from './logger.js';

export interface DispatchOptions {
  readonly registry: Pick<Registry, 'enrolments' | 'vens' | 'dispatch'>;
  /** The sites this process controls (configured). */
  readonly sites: readonly Site[];
  /** Their latest state (core), for live flexibility and failure detection. */
  readonly latest?: ReadonlyMap<string, SiteState>;
  /** The metered series live baselines are computed from (relative sheds need one); absent: sheds are not applied. */
  readonly store?: Pick<TimeSeriesStore, 'queryMetric'>;
  readonly log: Pick<Logger, 'info' | 'warn'>;
  readonly allocation?: Omit<GroupAllocatorOptions, 'onRecord'>;
}

export interface Dispatcher {
  /** Re-reads enrolments, opt-outs and groups; returns the events with their opt-outs. */
  reload(events: readonly DrEvent[]): Promise<DrEvent[]>;
  groupsOf(siteId: string): readonly string[];
  /** Resolves when the dispatch records made so far are stored (or their failure logged). */
  recorded(): Promise<void>;
  /** Decides (and records) each event at each site, allocates GROUP sheds. Called every tick. */
  tick(events: readonly DrEvent[], nowMs: number): void;
  /** The site's DR signals now, within its enrolments: refused events dropped, sheds turned into import caps against its baseline. */
  signals(events: readonly DrEvent[], siteId: string, nowMs: number): DrSignal[];
  /** The site with the limits of the enrolments whose events are in force at it (SoC floors, comfort bands, EV needs). */
  siteFor(site: Site, events: readonly DrEvent[], nowMs: number): Site;
}

interface Decision { readonly key: string; readonly check: DispatchCheck; readonly startMs: number; readonly programId: string; recorded: boolean }

const relativeShedKw = (ev: DrEvent, nowMs: number): number | undefined => {
  const it = ev.intervals.find((i) => {
    const w = intervalWindow(ev, i);
    return nowMs >= w.startMs && nowMs < w.endMs;
  });
  const s = it?.signals.find((x) => x.type === 'DISPATCH_SETPOINT_RELATIVE');
  return s?.type === 'DISPATCH_SETPOINT_RELATIVE' && s.valueKw < 0 ? -s.valueKw : undefined;
};

/**
 * Enrolment limits and GROUP allocation on every event the runtime applies (issue 7): each
 * event is checked at each site against the site's enrolment in its programme (checkDispatch:
 * refused or clipped, recorded and logged), a GROUP shed is split across the group's enrolled
 * sites by live flexibility and re-split when one fails, and relative sheds become import caps
 * against the site's live baseline (maxShedKw clips caps the same way, clipObligation).
 * A site without an enrolment in the programme gets named events as OpenADR says, and no share
 * of a group shed.
 */
export function createDispatcher(options: DispatchOptions): Dispatcher {
  const { registry, log } = options;
  let lastEvents: readonly DrEvent[] = [];
  const baselines = options.store === undefined ? undefined : createLiveBaselines({
    store: options.store,
    log,
    events: () => lastEvents,
    onBaseline: (note, atMs) => append(note.eventId, note.siteId, 'baseline', atMs, note),
  });
  const sites = new Map(options.sites.map((s) => [s.id, s]));
  let enrolments = new Map<string, Enrolment>(); // `${programId}/${siteId}`
  let groups = new Map<string, string[]>();
  const decisions = new Map<string, Decision>();
  const badEnrolment = new Set<string>();
  const enrolmentOf = (programId: string, siteId: string): Enrolment | undefined => enrolments.get(`${programId}/${siteId}`);

  const onRecord = (record: AllocationRecord): void => {
    const eventId = record.eventId ?? '';
    const failures = Object.fromEntries(allocator.failures(eventId));
    log.info({ event: eventId, reason: record.reason, shares: record.shares, shortfallKw: record.shortfallKw, excluded: record.excluded, failures }, 'DR group shed allocated');
    append(eventId, null, record.reason, record.atMs, { ...record, ...(Object.keys(failures).length > 0 ? { failures } : {}) });
  };
  const allocator = createGroupAllocator({ ...options.allocation, onRecord });

  // Appends are chained so the log keeps the order they were made in (a pool may reorder them).
  let appended: Promise<void> = Promise.resolve();
  const append = (eventId: string, siteId: string | null, kind: 'allocation' | 'reallocation' | 'refusal' | 'clip' | 'baseline', atMs: number, body: object): void => {
    appended = appended
      .then(() => registry.dispatch.append({ eventId, siteId, kind, atMs, body: body as Record<string, unknown> }))
      .then(
        () => undefined,
        (err: unknown) => log.warn({ event: eventId, site: siteId, err: (err as Error).message }, 'dispatch record not stored'),
      );
  };

  /** The decision for the event at the site (undefined: the site is not enrolled in its programme). */
  const decide = (ev: DrEvent, siteId: string, nowMs: number): Decision | undefined => {
    const e = enrolmentOf(ev.programId, siteId);
    if (e === undefined) return undefined;
    const key = `${ev.modifiedAtMs}/${ev.cancelledAtMs ?? ''}/${ev.optOuts.map((o) => o.siteId).join(',')}/${e.modifiedAtMs}`;
    const before = decisions.get(`${ev.id}/${siteId}`);
    if (before !== undefined && before.key === key) return before;
    const history = [...decisions.entries()]
      .filter(([k, d]) => k.endsWith(`/${siteId}`) && !k.startsWith(`${ev.id}/`) && d.programId === ev.programId && d.check.dispatch !== 'refused')
      .map(([k, d]) => ({ eventId: k.slice(0, k.length - siteId.length - 1), startMs: d.startMs }));
    const check = checkDispatch(e, ev, history, nowMs);
    const d: Decision = { key, check, startMs: eventWindow(ev, siteId).startMs, programId: ev.programId, recorded: false };
    decisions.set(`${ev.id}/${siteId}`, d);
    return d;
  };

  const reaches = (ev: DrEvent, siteId: string): boolean => {
    const t = targetsSite(ev, siteId, groups.get(siteId) ?? []);
    return t.named || t.viaGroup;
  };
  /** Whether the event may act on the site now; one that does not reach it is left to activeSignals (and never enters its history). */
  const usable = (ev: DrEvent, siteId: string, nowMs: number): boolean => {
    if (!reaches(ev, siteId)) return true;
    const d = decide(ev, siteId, nowMs);
    return d === undefined || (d.check.dispatch !== 'refused' && nowMs < (d.check.window?.endMs ?? -Infinity));
  };

  const groupSheds = (events: readonly DrEvent[], nowMs: number): GroupShed[] => {
    const out: GroupShed[] = [];
    for (const ev of events) {
      const groupValues = ev.targets.filter((t) => t.type === 'GROUP').flatMap((t) => t.values);
      if (groupValues.length === 0 || eventStatus(ev, nowMs) !== 'active') continue;
      const totalKw = relativeShedKw(ev, nowMs);
      if (totalKw === undefined) continue;
      const members: Enrolment[] = [];
      const siteIds: string[] = [];
      for (const site of options.sites) {
        const t = targetsSite(ev, site.id, groups.get(site.id) ?? []);
        const e = enrolmentOf(ev.programId, site.id);
        if (!t.viaGroup || t.named || !usable(ev, site.id, nowMs)) continue;
        siteIds.push(site.id);
        if (e !== undefined) members.push(e);
      }
      out.push({ eventId: ev.id, totalKw, holdS: (eventWindow(ev).endMs - nowMs) / 1000, siteIds, enrolments: members });
    }
    return out;
  };

  const live = (events: readonly DrEvent[], nowMs: number) => (siteId: string) => {
    const site = sites.get(siteId);
    const state = options.latest?.get(siteId);
    const grid = state?.gridPowerKw;
    return {
      summary: site === undefined || state === undefined ? undefined : toSiteSummary(summariseSite(underEnrolments(site, events, nowMs, true), state.assets, state.atMs, state.evSessions), site),
      importKw: grid !== undefined && grid.quality === 'good' && grid.value !== null ? grid.value : undefined,
      capKw: (eventId: string) => {
        const ev = events.find((x) => x.id === eventId);
        const share = allocator.shareKw(eventId, siteId);
        const base = ev === undefined || site === undefined || share === undefined ? undefined : baselines?.at(ev, site, nowMs);
        return base === undefined || share === undefined ? undefined : base - share;
      },
    };
  };

  /** The site under the enrolments of the events in force at it (`group`: also group sheds about to be allocated). */
  const underEnrolments = (site: Site, events: readonly DrEvent[], nowMs: number, group = false): Site => {
    let out = site;
    const applied = new Set<string>();
    for (const ev of events) {
      const e = enrolmentOf(ev.programId, site.id);
      if (e === undefined || applied.has(ev.programId) || !reaches(ev, site.id)) continue;
      if (!group && eventStatus(ev, nowMs, site.id) !== 'active') continue;
      if (!usable(ev, site.id, nowMs)) continue;
      try {
        out = enrolledSite(out, e);
        applied.add(ev.programId);
      } catch (err) {
        const k = `${e.programId}/${e.siteId}/${e.modifiedAtMs}`;
        if (!badEnrolment.has(k)) {
          badEnrolment.add(k);
          log.warn({ site: site.id, program: e.programId, err: (err as Error).message }, 'enrolment limits not applied to the site');
        }
      }
    }
    return out;
  };

  return {
    reload: async (events) => {
      const [enrolmentRows, groupRows, optOutRows] = await Promise.all([registry.enrolments.list(), groupsBySite(registry.vens), registry.enrolments.optOuts()]);
      const next = new Map<string, Enrolment>();
      for (const r of enrolmentRows) {
        try {
          const e = parseEnrolment(r.body);
          next.set(`${e.programId}/${e.siteId}`, e);
        } catch (err) {
          const k = `${r.programId}/${r.venId}/${r.modifiedMs}`;
          if (!badEnrolment.has(k)) {
            badEnrolment.add(k);
            log.warn({ program: r.programId, ven: r.venId, err: (err as Error).message }, 'stored enrolment skipped');
          }
        }
      }
      enrolments = next;
      groups = groupRows;
      const optOuts = new Map<string, { siteId: string; atMs: number; reason?: string }[]>();
      for (const o of optOutRows) {
        const siteId = o.body['siteId'];
        const reason = o.body['reason'];
        if (typeof siteId !== 'string') continue;
        optOuts.set(o.eventId, [...(optOuts.get(o.eventId) ?? []), { siteId, atMs: o.atMs, ...(typeof reason === 'string' ? { reason } : {}) }]);
      }
      return events.map((ev) => (optOuts.has(ev.id) ? { ...ev, optOuts: [...ev.optOuts, ...(optOuts.get(ev.id) ?? [])] } : ev));
    },
    groupsOf: (siteId) => groups.get(siteId) ?? [],
    recorded: () => appended,
    tick: (events, nowMs) => {
      lastEvents = events;
      const ordered = [...events].sort((a, b) => eventWindow(a).startMs - eventWindow(b).startMs || (a.id < b.id ? -1 : 1));
      for (const site of options.sites) {
        for (const ev of ordered) {
          if (!reaches(ev, site.id)) continue;
          const d = decide(ev, site.id, nowMs);
          const status = eventStatus(ev, nowMs, site.id);
          if (d === undefined || d.recorded || d.check.ok || (status !== 'pending' && status !== 'active')) continue;
          d.recorded = true;
          const kind = d.check.dispatch === 'refused' ? 'refusal' : 'clip';
          log.warn({ event: ev.id, site: site.id, dispatch: d.check.dispatch, violations: d.check.violations }, kind === 'refusal' ? 'DR event refused at the site by its enrolment' : 'DR event clipped at the site by its enrolment');
          append(ev.id, site.id, kind, nowMs, { dispatch: d.check.dispatch, violations: d.check.violations, ...(d.check.window === undefined ? {} : { window: { start: new Date(d.check.window.startMs).toISOString(), end: Number.isFinite(d.check.window.endMs) ? new Date(d.check.window.endMs).toISOString() : null } }) });
        }
      }
      allocator.update(groupSheds(ordered, nowMs), live(events, nowMs), nowMs);
    },
    signals: (events, siteId, nowMs) => {
      const site = sites.get(siteId);
      const byId = new Map(events.map((ev) => [ev.id, ev]));
      const inForce = events.filter((ev) => usable(ev, siteId, nowMs));
      const raw = activeSignals(inForce, siteId, groups.get(siteId) ?? [], nowMs, { groupShareKw: (id) => allocator.shareKw(id, siteId) });
      return signalsWithinEnrolment(raw, {
        nowMs,
        eventOf: (id) => byId.get(id),
        enrolmentOf: (ev) => enrolmentOf(ev.programId, siteId),
        baselineOf: (ev) => (site === undefined ? undefined : baselines?.at(ev, site, nowMs)),
      });
    },
    siteFor: (site, events, nowMs) => underEnrolments(site, events, nowMs),
  };
}
