import type { Observable } from 'rxjs';
import type { AdapterHealth, EventStatus, Site, SiteState } from '../domain/index.js';
import type { Registry, TimeSeriesStore } from '../store/index.js';
import type { GridCarbon } from '../mv/index.js';
import type { ModeControl } from './routes/modes.js';

/** A site as the API shows it: its configuration and latest state (null before the first reading). */
export interface SiteView {
  readonly site: Site;
  readonly state: SiteState | null;
}

export interface AdapterStatus extends AdapterHealth {
  readonly siteId: string;
  readonly assetId: string;
  readonly binding: string;
}

/** Everything the API needs, passed in: the API looks nothing up itself (tests pass fakes of the runtime, real stores). */
export interface ApiDeps {
  readonly version: string;
  readonly sites: () => readonly SiteView[];
  readonly store: Pick<TimeSeriesStore, 'kind' | 'queryMetric'>;
  readonly adapters: () => readonly AdapterStatus[];
  readonly nowMs: () => number;
  /** API clients (and later programs, events...). Absent: no credentials exist, so every write answers 401. */
  readonly registry?: Registry;
  /** Operating modes (the runtime's mode table); absent: no mode routes. */
  readonly modes?: ModeControl;
  /** Every new SiteState of every site, as core computes them (GET /stream). Absent: the stream sends snapshots and heartbeats only. */
  readonly siteStates$?: Observable<SiteState>;
  /** DR event status changes, fed by the events work (GET /stream); absent or silent until events exist. */
  readonly events$?: Observable<EventStatusChange>;
  /** Called after every API write to events, so the runtime re-reads them at once; absent: it refreshes on its own timer. */
  readonly onEventsChange?: () => void;
  /** A site's grid carbon factor (its config's `carbon:`), for GET /energy-reports; absent: co2Kg is null. */
  readonly siteCarbon?: (siteId: string) => GridCarbon | undefined;
  /** Prometheus exposition for GET /metrics (the runtime's own registry); absent: no /metrics route. */
  readonly metrics?: MetricsExposition;
  /** GET /api/v1/health/ready; absent: ready whenever the app answers (an API without a runtime waits on nothing). */
  readonly readiness?: () => ReadinessReport;
}

export interface MetricsExposition {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** One readiness check: its name, whether it passes, and why. */
export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

/** A DR event changed status. `siteIds`: the sites it targets; a stream filtered to a site sends only events that name it. */
export interface EventStatusChange {
  readonly eventId: string;
  readonly status: EventStatus;
  readonly atMs: number;
  readonly siteIds?: readonly string[];
}
