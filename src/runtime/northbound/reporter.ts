import type { DrEvent, Site } from '../../domain/index.js';
import { VppError } from '../../domain/index.js';
import { eventStatus, eventWindow, fromOpenAdrEvent, targetsSite } from '../../events/index.js';
import type { EventRecord, EventRepository, TimeSeriesStore } from '../../store/index.js';
import { validateOpenAdr } from '../../api/openadr/index.js';
// The API's M&V of an event, reused as is so the report says what /events/{id}/performance says.
import { sitePerformance } from '../../mv/index.js';
import { tagOf, withReport, type UpstreamTag } from './mirror-map.js';
import { buildReport } from './report-body.js';
import { detailOf, type VtnHttp } from './vtn-http.js';

export interface ReporterOptions {
  readonly vtnUrl: string;
  readonly venName: string;
  readonly events: EventRepository;
  readonly store: Pick<TimeSeriesStore, 'queryMetric' | 'flush'>;
  readonly sites: () => readonly Site[];
  /** Wait this long after an event ends before reporting, so the last interval's meter data are stored. */
  readonly graceMs: number;
}

export type ReportOutcome = { readonly eventId: string; readonly result: 'sent' | 'found' | 'refused' | 'retry'; readonly detail?: string };

/** Back-off per event after a failed send: 1 poll's worth doubling up to an hour, in memory (a restart retries at once). */
interface Retry { readonly attempts: number; readonly nextAtMs: number }
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 3_600_000;

/** The statuses a VTN answers again the same way: no point retrying the same report. */
const PERMANENT = new Set([400, 403, 409, 413, 422]);

/**
 * Reports back what the site delivered in each mirrored event that has completed: one report
 * per event, under the VEN's identity (clientName = venName), naming the UPSTREAM program and
 * event. Sent once: the outcome is recorded in the local event's tag (it survives a restart),
 * and before sending, the VTN is asked whether it already holds our report for the event (a
 * crash between the POST and the record would otherwise send it twice). A failed send is
 * retried with back-off; a refusal the VTN would repeat (400, 403, 409...) is recorded and logged.
 */
export class Reporter {
  private readonly retries = new Map<string, Retry>();

  constructor(private readonly http: VtnHttp, private readonly o: ReporterOptions) {}

  /** Reports every completed, unreported mirror whose retry time has come. */
  async due(nowMs: number): Promise<ReportOutcome[]> {
    const out: ReportOutcome[] = [];
    for (const r of await this.o.events.list({ includeHidden: true })) {
      const tag = tagOf(r.body, this.o.vtnUrl);
      if (tag === null || tag.report !== undefined) continue;
      const retry = this.retries.get(r.id);
      if (retry !== undefined && nowMs < retry.nextAtMs) continue;
      const rec = await this.o.events.get(r.id);
      if (rec === null) continue;
      let ev: DrEvent;
      try {
        ev = fromOpenAdrEvent(rec.body);
      } catch {
        continue;
      }
      // Only completed events are reported; a cancelled one is hidden at the VTN too.
      if (rec.cancelledMs !== null || eventStatus(ev, nowMs - this.o.graceMs) !== 'completed') continue;
      out.push(await this.report(rec, ev, tag, nowMs));
    }
    return out;
  }

  private async report(rec: EventRecord, ev: DrEvent, tag: UpstreamTag, nowMs: number): Promise<ReportOutcome> {
    const eventId = rec.id;
    try {
      const existing = await this.alreadyThere(tag);
      if (existing !== undefined) return await this.record(rec, { id: existing, atMs: nowMs }, 'found');
      const body = await this.body(ev, tag, nowMs);
      const problems = validateOpenAdr('report', body);
      if (problems.length > 0) return await this.record(rec, { id: null, atMs: nowMs, refused: `our report fails the 3.0.1 schema: ${problems.join('; ')}` }, 'refused');
      const res = await this.http.request('POST', '/reports', body);
      if (res.status === 200 || res.status === 201) {
        const id = (res.body as { id?: unknown } | null)?.id;
        return await this.record(rec, { id: typeof id === 'string' ? id : null, atMs: nowMs }, 'sent');
      }
      if (PERMANENT.has(res.status)) return await this.record(rec, { id: null, atMs: nowMs, refused: `HTTP ${res.status}${detailOf(res.body)}` }, 'refused');
      throw new VppError('NORTHBOUND_HTTP', `POST /reports: HTTP ${res.status}${detailOf(res.body)}`);
    } catch (err) {
      const attempts = (this.retries.get(eventId)?.attempts ?? 0) + 1;
      const waitMs = Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS);
      this.retries.set(eventId, { attempts, nextAtMs: nowMs + waitMs });
      return { eventId, result: 'retry', detail: `${(err as Error).message} (attempt ${attempts}; next in ${Math.round(waitMs / 1000)} s)` };
    }
  }

  /** The id of our report for the event when the VTN already holds one; undefined when none, or when it cannot say. */
  private async alreadyThere(tag: UpstreamTag): Promise<string | undefined> {
    const qs = new URLSearchParams({ eventID: tag.id, clientName: this.o.venName });
    const res = await this.http.request('GET', `/reports?${qs.toString()}`);
    if (res.status !== 200 || !Array.isArray(res.body)) return undefined;
    const ours = (res.body as unknown[]).find((r) => {
      const x = r as { eventID?: unknown; clientName?: unknown; id?: unknown } | null;
      // A VTN that ignores the filters returns every report: check them here.
      return x !== null && x.eventID === tag.id && x.clientName === this.o.venName && typeof x.id === 'string';
    }) as { id: string } | undefined;
    return ours?.id;
  }

  private async body(ev: DrEvent, tag: UpstreamTag, nowMs: number): Promise<ReturnType<typeof buildReport>> {
    await this.o.store.flush();
    const sites = this.o.sites().filter((s) => targetsSite(ev, s.id, []).named);
    const others = await this.otherEvents(ev.id);
    const measured = [];
    for (const site of sites) measured.push(await sitePerformance(this.o.store, site, ev, others, nowMs, undefined));
    const end = eventWindow(ev).endMs;
    return buildReport({
      programID: tag.programID ?? '',
      eventID: tag.id,
      clientName: this.o.venName,
      reportName: `${ev.name ?? tag.id} ${new Date(end).toISOString().slice(0, 10)}`.slice(0, 128),
      sites: measured,
    });
  }

  private async otherEvents(id: string): Promise<DrEvent[]> {
    const out: DrEvent[] = [];
    for (const r of await this.o.events.list({ includeHidden: true })) {
      if (r.id === id) continue;
      try {
        out.push(fromOpenAdrEvent(r.body));
      } catch {
        // Not mappable: no event day we could exclude from the baseline.
      }
    }
    return out;
  }

  private async record(rec: EventRecord, report: NonNullable<UpstreamTag['report']>, result: ReportOutcome['result']): Promise<ReportOutcome> {
    await this.o.events.update(rec.id, withReport(rec.body, report), report.atMs);
    this.retries.delete(rec.id);
    return { eventId: rec.id, result, ...(report.refused === undefined ? {} : { detail: report.refused }) };
  }
}
