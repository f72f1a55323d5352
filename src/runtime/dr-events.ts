import { Subject, type Observable } from 'rxjs';
import type { EventStatusChange } from '../api/index.js';
import type { DrEvent, DrSignal, EventStatus, Site } from '../domain/index.js';
import { activeSignals, eventStatus, fromOpenAdrEvent } from '../events/index.js';
import type { EventRepository } from '../store/index.js';
import { createDispatcher, type Dispatcher, type DispatchOptions } from './dr-dispatch.js';
import type { Logger } from './logger.js';

export interface DrEventsOptions {
  /** The registry's events (cancelled ones are read too, to report and honour the cancellation). */
  readonly events: Pick<EventRepository, 'list' | 'get'>;
  readonly log: Pick<Logger, 'warn' | 'info'>;
  /** Re-read the registry at least this often, ms; default 5000 (and at once after markChanged). */
  readonly refreshMs?: number;
  /** Status check period, ms; default 1000. 0: no timer (the caller calls poll, as tests do). */
  readonly tickMs?: number;
  /** The site's groups, for GROUP targets; default none, or the vens' GROUP targets with `dispatch`. */
  readonly groupsOfSite?: (siteId: string) => readonly string[];
  /**
   * Enrolments, opt-outs, groups and dispatch records from the registry, the sites and their
   * state (issue 7): with it every event is applied within each site's enrolment and GROUP sheds
   * are allocated (dr-dispatch.ts). Without it events apply as OpenADR says, unchecked.
   */
  readonly dispatch?: Omit<DispatchOptions, 'log'>;
  readonly nowMs?: () => number;
}

export interface DrEvents {
  /** The DR signals in force at the site at nowMs, from the cached events (the control loop's and planner's `signals`). */
  signals(siteId: string, nowMs: number): readonly DrSignal[];
  /** Status changes (pending, active, completed, cancelled), by time: the API's `events$`. */
  readonly changes$: Observable<EventStatusChange>;
  /** The registry changed (an API write): the next poll re-reads it. Polls at once when the timer runs. */
  markChanged(): void;
  /**
   * Re-reads the registry when due, then emits the status changes at nowMs; resolves when the
   * dispatch records of the tick are stored. A poll while one is running waits for it instead.
   */
  poll(nowMs: number): Promise<void>;
  /** The events as the controller sees them now. */
  events(): readonly DrEvent[];
  /** The site as the controller must guard it now: its enrolments' limits applied while their events are in force. */
  siteFor(site: Site, nowMs: number): Site;
  stop(): void;
}

/** The VEN_NAME values of the event's targets: the sites it names (empty: addressed to all or to groups). */
function namedSites(ev: DrEvent): string[] {
  return [...new Set(ev.targets.filter((t) => t.type === 'VEN_NAME').flatMap((t) => t.values))];
}

/**
 * The live runtime's view of the registry's DR events (issue 7): cached, re-read every few
 * seconds and right after an API write, mapped with fromOpenAdrEvent. A stored event that does
 * not map (written by an older version, or by hand) is skipped and logged once per version,
 * never allowed to stop the others. Status is computed by time with the nominal window (the
 * stream reports the event, not each site's randomised start); a pending event that vanishes
 * (deleted before it started) is reported cancelled.
 */
export function startDrEvents(options: DrEventsOptions): DrEvents {
  const { events: repo, log } = options;
  const refreshMs = options.refreshMs ?? 5000;
  const tickMs = options.tickMs ?? 1000;
  const dispatcher: Dispatcher | undefined = options.dispatch === undefined ? undefined : createDispatcher({ ...options.dispatch, log });
  const groupsOfSite = options.groupsOfSite ?? dispatcher?.groupsOf ?? (() => []);
  const clock = options.nowMs ?? Date.now;
  const changes = new Subject<EventStatusChange>();
  let cached: DrEvent[] = [];
  let loadedAtMs = -Infinity;
  let dirty = true;
  const badLogged = new Set<string>();
  const status = new Map<string, { status: EventStatus; siteIds: string[] }>();

  const load = async (nowMs: number): Promise<void> => {
    const [shown, all] = await Promise.all([repo.list(), repo.list({ includeHidden: true })]);
    const visible = new Set(shown.map((r) => r.id));
    const out: DrEvent[] = [];
    for (const r of all) {
      try {
        // Hidden rows are the cancelled ones: their cancellation time is only on get().
        const cancelledMs = visible.has(r.id) ? null : ((await repo.get(r.id))?.cancelledMs ?? null);
        const ev = fromOpenAdrEvent(r.body);
        out.push(cancelledMs === null ? ev : { ...ev, cancelledAtMs: cancelledMs });
      } catch (err) {
        const key = `${r.id}@${r.modifiedMs}`;
        if (!badLogged.has(key)) {
          badLogged.add(key);
          log.warn({ event: r.id, err: (err as Error).message }, 'stored DR event skipped: it does not map onto a DrEvent');
        }
      }
    }
    cached = dispatcher === undefined ? out : await dispatcher.reload(out);
    loadedAtMs = nowMs;
    dirty = false;
  };

  // One poll at a time: polls queue behind the one running, never interleave.
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  const poll = (nowMs: number): Promise<void> => {
    pending += 1;
    const next = chain.then(() => pollNow(nowMs)).finally(() => void (pending -= 1));
    chain = next.catch(() => undefined);
    return next;
  };

  const pollNow = async (nowMs: number): Promise<void> => {
    if (dirty || nowMs - loadedAtMs >= refreshMs) {
      try {
        await load(nowMs);
      } catch (err) {
        // The registry is unreachable: keep acting on the last events read, try again next tick.
        log.warn({ err: (err as Error).message }, 'DR events not re-read; keeping the last ones');
      }
    }
    const seen = new Set<string>();
    for (const ev of cached) {
      seen.add(ev.id);
      const now = eventStatus(ev, nowMs);
      const before = status.get(ev.id);
      const siteIds = namedSites(ev);
      status.set(ev.id, { status: now, siteIds });
      // On first sight an event already over is history, not news.
      if (before === undefined ? now === 'completed' || now === 'cancelled' : before.status === now) continue;
      changes.next({ eventId: ev.id, status: now, atMs: nowMs, siteIds });
    }
    for (const [id, s] of status) {
      if (seen.has(id)) continue;
      status.delete(id);
      if (s.status === 'pending' || s.status === 'active') changes.next({ eventId: id, status: 'cancelled', atMs: nowMs, siteIds: s.siteIds });
    }
    try {
      dispatcher?.tick(cached, nowMs);
    } catch (err) {
      // One bad tick must not stop the status stream; the next tick decides again.
      log.warn({ err: (err as Error).message }, 'DR dispatch tick failed');
    }
    await dispatcher?.recorded();
  };

  // The timer skips a tick while a poll is still running (a slow registry), rather than queue.
  const tick = (): void => {
    if (pending === 0) void poll(clock());
  };
  const timer = tickMs > 0 ? setInterval(tick, tickMs) : null;
  timer?.unref();
  if (timer !== null) tick();

  return {
    signals: (siteId, nowMs) => (dispatcher === undefined ? activeSignals(cached, siteId, groupsOfSite(siteId), nowMs) : dispatcher.signals(cached, siteId, nowMs)),
    siteFor: (site, nowMs) => dispatcher?.siteFor(site, cached, nowMs) ?? site,
    changes$: changes.asObservable(),
    markChanged: () => {
      dirty = true;
      // Queued even behind a running poll, which may have read the registry before this write.
      if (timer !== null) void poll(clock());
    },
    poll,
    events: () => cached,
    stop: () => {
      if (timer !== null) clearInterval(timer);
      changes.complete();
    },
  };
}
