import { VppError } from '../domain/index.js';
import { InfluxStore } from './influx/index.js';
import { SqliteStore } from './sqlite/index.js';
import type { StoreOptions } from './queued-store.js';
import type { TimeSeriesStore } from './types.js';

export type {
  EventPerformanceQuery,
  EventPerformanceRecord,
  MaintenanceResult,
  Resolution,
  MetricPoint,
  SetpointRecord,
  SeriesQuery,
  SeriesSample,
  SetpointQuery,
  TimeSeriesStore,
} from './types.js';
export type { WriteQueueOptions } from './write-queue.js';
export type { StoreOptions } from './queued-store.js';
export type { StoreStats } from './stats.js';
export type { RetentionOptions } from './retention.js';
export type { SpoolOptions } from './spool/spool.js';
export { RESOLUTIONS } from './types.js';
export { DEFAULT_RETENTION } from './retention.js';
export { DEFAULT_SPOOL_MAX_BYTES } from './spool/spool.js';
export { DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_QUEUED_POINTS } from './write-queue.js';
export { SqliteStore, DEFAULT_DATA_DIR, DEFAULT_SQLITE_FILE, SCHEMA_VERSION } from './sqlite/index.js';
export type { SqliteStoreOptions } from './sqlite/index.js';
export { InfluxStore, SITE_LEVEL_TAG } from './influx/index.js';
export type { InfluxStoreOptions } from './influx/index.js';
export { openRegistry, CLIENT_ROLES, REGISTRY_FILE, REGISTRY_SCHEMA_VERSION, seedVens } from './registry/index.js';
export { visibleToVen } from './registry/index.js';
export type { RegistryChange, RegistryOperation, SubscriptionRepository, WebhookDelivery, WebhookOutbox } from './registry/index.js';
export type { EventRecord, EventRepository, OpenAdrBody, OpenAdrListFilter, OpenAdrRecord, OpenAdrRepository } from './registry/index.js';
export { openPgRegistry, openSiteOwnership, type PgRegistryOptions } from './pg/index.js';
export type { OwnedSite, SiteOwner, SiteOwnership, SiteOwnershipOptions } from './pg/index.js';
export type { ClientRecord, ClientRepository, ClientRole, NewClient, NewClientInput, Registry, RegistryOptions } from './registry/index.js';
export type { DispatchKind, DispatchLog, DispatchRecord, EnrolmentRecord, EnrolmentRepository, OptOutRecord } from './registry/index.js';
export { DISPATCH_KINDS, groupsBySite, venGroups } from './registry/index.js';

/**
 * `retention` and `spool` as in the config file's `store:` section (README: Records). SQLite
 * spools to `<dataDir>/spool` unless `spool: false`; InfluxDB spools only when given `spool.dir`.
 */
export type StoreConfig =
  | ({ readonly kind: 'sqlite'; readonly dataDir: string } & StoreOptions)
  | ({ readonly kind: 'influx'; readonly url: string; readonly database: string } & StoreOptions);

/** Opens the configured store: the embedded SQLite file (default) or an InfluxDB 1.x database. */
export async function openStore(config: StoreConfig): Promise<TimeSeriesStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore(config);
    case 'influx':
      return InfluxStore.open(config);
    default: {
      const kind: unknown = (config as { kind?: unknown }).kind;
      throw new VppError('STORE_CONFIG_INVALID', `store.kind must be 'sqlite' or 'influx', got ${JSON.stringify(kind)}`);
    }
  }
}
