import type { Observable, Subscription } from 'rxjs';
import type { EventStatusChange } from '../api/index.js';
import { validateOpenAdr } from '../api/openadr/index.js';
import { newId, stamp } from '../api/index.js';
import type { SitePerformanceView } from '../mv/index.js';
import type { Registry } from '../store/index.js';
import type { Logger } from './logger.js';
import { buildReport } from './northbound/report-body.js';

export interface SiteReportOptions {
  readonly changes$: Observable<EventStatusChange>;
  readonly registry: Pick<Registry, 'reports' | 'vens' | 'events'>;
  /** Every configured site: an event addressed to no named site reports for all of them. */
  readonly siteIds: readonly string[];
  /** The site's measured performance in the event (the store's meter series against its baseline). */
  readonly performance: (siteId: string, eventId: string) => Promise<SitePerformanceView | null>;
  readonly log: Pick<Logger, 'info' | 'warn'>;
  readonly nowMs?: () => number;
}

/**
 * When an event completes, each site it reached reports what it did, as OpenADR lets only VENs
 * write reports: one report per site under the site's VEN identity (clientName = site id,
 * owned by its ven), with USAGE, DEMAND, BASELINE and DELTA_USAGE per interval. Written into the
 * registry, so GET /reports lists it and subscriptions' webhooks carry it. Once per site and
 * event, also across restarts (an existing report of that site for that event is kept).
 */
export function reportCompletedEvents(o: SiteReportOptions): Subscription {
  const nowMs = o.nowMs ?? Date.now;
  return o.changes$.subscribe((change) => {
    if (change.status !== 'completed') return;
    const siteIds = change.siteIds !== undefined && change.siteIds.length > 0 ? change.siteIds : o.siteIds;
    void (async () => {
      const ev = await o.registry.events.get(change.eventId);
      const programID = ev?.body['programID'];
      if (typeof programID !== 'string') return;
      for (const siteId of siteIds) {
        try {
          const already = await o.registry.reports.list({ columns: { event_id: change.eventId, client_name: siteId }, limit: 1 });
          if (already.length > 0) continue;
          const view = await o.performance(siteId, change.eventId);
          if (view === null) continue;
          const body = buildReport({ programID, eventID: change.eventId, clientName: siteId, reportName: `${siteId} in ${String(ev?.body['eventName'] ?? change.eventId)}`.slice(0, 128), sites: [view] });
          const problems = validateOpenAdr('report', body);
          if (problems.length > 0) {
            o.log.warn({ eventId: change.eventId, siteId, problems }, 'site report not written: it would not validate');
            continue;
          }
          const venId = (await o.registry.vens.list({ columns: { ven_name: siteId }, limit: 1 }))[0]?.id ?? null;
          const at = nowMs();
          await o.registry.reports.create(stamp(body, 'REPORT', newId(), at, at), at, venId);
          o.log.info({ eventId: change.eventId, siteId }, 'site report written');
        } catch (err) {
          o.log.warn({ eventId: change.eventId, siteId, err: (err as Error).message }, 'site report not written');
        }
      }
    })().catch((err: unknown) => o.log.warn({ eventId: change.eventId, err: (err as Error).message }, 'site reports not written'));
  });
}
