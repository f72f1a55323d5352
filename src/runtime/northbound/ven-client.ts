import { Subject, type Observable } from 'rxjs';
import type { NorthboundConfig } from '../../config/index.js';
import type { Site } from '../../domain/index.js';
import type { EventRepository, OpenAdrRepository, TimeSeriesStore } from '../../store/index.js';
import type { Logger } from '../logger.js';
import { mirror, type MirrorResult } from './mirror.js';
import { tagOf } from './mirror-map.js';
import { Reporter, type ReportOutcome } from './reporter.js';
import { startSubscriber, type Subscriber } from './subscriber.js';
import { VtnHttp } from './vtn-http.js';

export interface VenClientOptions {
  readonly config: NorthboundConfig;
  readonly registry: { readonly programs: OpenAdrRepository; readonly events: EventRepository };
  readonly store: Pick<TimeSeriesStore, 'queryMetric' | 'flush'>;
  /** Our configured sites (for M&V: time zone, calendar). */
  readonly sites: () => readonly Site[];
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly nowMs?: () => number;
  /** Called after the mirror changed the local registry, so the runtime re-reads its events at once. */
  readonly onChange?: () => void;
  /** Wait after an event's end before reporting it, s; default 60 (the store's last batch lands). */
  readonly reportGraceS?: number;
  /** Longest wait between polls after failures, s; default 300. */
  readonly maxBackoffS?: number;
  /** false: no timer (tests call pollOnce). Default true. */
  readonly autoStart?: boolean;
}

export interface PollResult {
  readonly ok: boolean;
  readonly mirror?: MirrorResult;
  readonly reports: readonly ReportOutcome[];
  readonly error?: string;
}

export interface VenStats {
  readonly polls: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly reportsSent: number;
  readonly lastPollAtMs: number | null;
  readonly lastError: string | null;
}

export interface VenClient {
  /** One poll: list programs and events, mirror them, report completed events. Never throws. */
  pollOnce(): Promise<PollResult>;
  /** Every poll's result, in order. */
  readonly polls$: Observable<PollResult>;
  stats(): VenStats;
  /** Stops the timer and waits for a poll in flight. */
  stop(): Promise<void>;
}

/**
 * The north-bound VEN (issue 7, item 4): polls the utility's OpenADR 3 VTN every pollS for the
 * programs and events it shows our VEN, mirrors them into the local registry (where the runtime's
 * DR events pick them up like any other), and reports completed events back. On failure the
 * next poll waits twice as long (with jitter), up to maxBackoffS, and the local events stay as
 * they were: an unreachable VTN is never read as "every event cancelled".
 */
export function startVenClient(options: VenClientOptions): VenClient {
  const { config, registry, log } = options;
  const clock = options.nowMs ?? Date.now;
  const http = new VtnHttp({ vtnUrl: config.vtnUrl, tokenUrl: config.tokenUrl, clientId: config.clientId, clientSecret: config.clientSecret, timeoutS: config.timeoutS, nowMs: clock });
  const reporter = new Reporter(http, {
    vtnUrl: config.vtnUrl,
    venName: config.venName,
    events: registry.events,
    store: options.store,
    sites: options.sites,
    graceMs: (options.reportGraceS ?? 60) * 1000,
  });
  const polls = new Subject<PollResult>();
  const startedAtMs = clock();
  const skipLogged = new Set<string>();
  let stats: VenStats = { polls: 0, failures: 0, consecutiveFailures: 0, reportsSent: 0, lastPollAtMs: null, lastError: null };
  let inFlight: Promise<PollResult> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let again = false;
  // With `subscribe`, the VTN's notifications trigger a poll (pollOnce below; declared later, called later).
  const subscriber: Promise<Subscriber | null> = config.subscribe === undefined
    ? Promise.resolve(null)
    : startSubscriber({ http, venName: config.venName, ...config.subscribe, secret: config.clientSecret, log, onNotify: () => notified() }).catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'north-bound: cannot listen for VTN notifications; polling only');
      return null;
    });

  /** Upstream ids of the programs mirrored from this VTN. */
  const mirroredPrograms = async (): Promise<string[]> =>
    (await registry.programs.list()).flatMap((r) => {
      const tag = tagOf(r.body, config.vtnUrl);
      return tag === null ? [] : [tag.id];
    });

  const poll = async (): Promise<PollResult> => {
    const nowMs = clock();
    try {
      const programs = await http.list('/programs');
      const events = await http.list('/events');
      const m = await mirror(registry, programs, events, { vtnUrl: config.vtnUrl, siteIds: config.siteIds, nowMs: clock(), programNames: config.programNames, historyBeforeMs: startedAtMs });
      logMirror(m);
      const sub = await subscriber;
      if (sub !== null) {
        for (const why of await sub.ensure(await mirroredPrograms())) log.warn({ why }, 'north-bound: subscription not made; polling meanwhile, retried next poll');
      }
      const reports = await reporter.due(clock());
      for (const r of reports) {
        if (r.result === 'sent' || r.result === 'found') log.info({ event: r.eventId, result: r.result }, 'north-bound: event reported to the VTN');
        else if (r.result === 'refused') log.error({ event: r.eventId, why: r.detail }, 'north-bound: the VTN refused our report; not retried');
        else log.warn({ event: r.eventId, why: r.detail }, 'north-bound: report not delivered; will retry');
      }
      const sent = reports.filter((r) => r.result === 'sent').length;
      stats = { ...stats, polls: stats.polls + 1, consecutiveFailures: 0, reportsSent: stats.reportsSent + sent, lastPollAtMs: nowMs, lastError: null };
      return { ok: true, mirror: m, reports };
    } catch (err) {
      const error = (err as Error).message;
      stats = { ...stats, polls: stats.polls + 1, failures: stats.failures + 1, consecutiveFailures: stats.consecutiveFailures + 1, lastPollAtMs: nowMs, lastError: error };
      log.warn({ vtn: config.vtnUrl, err: error, consecutiveFailures: stats.consecutiveFailures }, 'north-bound: poll failed; local events kept');
      return { ok: false, reports: [], error };
    }
  };

  const logMirror = (m: MirrorResult): void => {
    const changed = m.created.length + m.updated.length + m.cancelled.length + m.deleted.length;
    if (changed > 0) {
      log.info({ created: m.created, updated: m.updated, cancelled: m.cancelled, deleted: m.deleted }, 'north-bound: mirrored the VTN\'s programs and events');
      options.onChange?.();
    }
    for (const why of m.skipped) {
      if (skipLogged.has(why)) continue;
      skipLogged.add(why);
      log.warn({ why }, 'north-bound: upstream object not mirrored');
    }
  };

  const pollOnce = (): Promise<PollResult> => {
    // One poll at a time: a slow VTN must not get two mirrors racing on the registry.
    inFlight ??= poll().then((r) => {
      inFlight = null;
      polls.next(r);
      // A notification came during that poll, which may have listed before the change: once more.
      if (again && !stopped) {
        again = false;
        void pollOnce();
      }
      return r;
    });
    return inFlight;
  };

  function notified(): void {
    if (stopped) return;
    if (inFlight !== null) again = true;
    else void pollOnce();
  }

  const schedule = (): void => {
    if (stopped) return;
    const failures = stats.consecutiveFailures;
    const backoffS = failures === 0 ? config.pollS : Math.min(config.pollS * 2 ** failures, Math.max(options.maxBackoffS ?? 300, config.pollS));
    // ±10 % jitter after failures, so many VENs do not return to a recovering VTN at once.
    const jitter = failures === 0 ? 1 : 0.9 + Math.random() * 0.2;
    timer = setTimeout(() => void pollOnce().then(schedule), backoffS * 1000 * jitter);
    timer.unref();
  };

  if (options.autoStart !== false) {
    log.info({ vtn: config.vtnUrl, ven: config.venName, pollS: config.pollS, sites: config.siteIds }, 'north-bound: VEN client started');
    void pollOnce().then(schedule);
  }

  return {
    pollOnce,
    polls$: polls.asObservable(),
    stats: () => stats,
    stop: async () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await inFlight;
      await (await subscriber)?.close();
      polls.complete();
    },
  };
}
