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
