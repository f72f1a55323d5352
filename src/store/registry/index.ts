export { openRegistry, REGISTRY_FILE, type Registry, type RegistryOptions } from './registry.js';
export {
  CLIENT_ROLES,
  type ClientRecord,
  type ClientRepository,
  type ClientRole,
  type NewClient,
  type NewClientInput,
} from './clients.js';
export { MIGRATIONS, REGISTRY_SCHEMA_VERSION, type Migration } from './migrations.js';
export { openAdrRepositories, seedVens, type EventRecord, type EventRepository, type OpenAdrRepositories, type SubscriptionRepository } from './openadr-repos.js';
export type { ChangeSink, RegistryChange, RegistryOperation } from './changes.js';
export { visibleToVen } from './visibility.js';
export type { NewWebhookDelivery, WebhookDelivery, WebhookOutbox } from './webhook-outbox.js';
export type { OpenAdrBody, OpenAdrListFilter, OpenAdrRecord, OpenAdrRepository } from './openadr-table.js';
export { SqliteEnrolmentRepository, type EnrolmentRecord, type EnrolmentRepository, type OptOutRecord } from './enrolments.js';
export { DISPATCH_KINDS, SqliteDispatchLog, type DispatchKind, type DispatchLog, type DispatchRecord } from './dispatch-log.js';
export { venGroups, groupsBySite } from './ven-groups.js';
