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
export { openAdrRepositories, seedVens, type EventRecord, type EventRepository, type OpenAdrRepositories } from './openadr-repos.js';
export type { OpenAdrBody, OpenAdrListFilter, OpenAdrRecord, OpenAdrRepository } from './openadr-table.js';
