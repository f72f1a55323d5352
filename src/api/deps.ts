import type { AdapterHealth, Site, SiteState } from '../domain/index.js';
import type { TimeSeriesStore } from '../store/index.js';

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
}
