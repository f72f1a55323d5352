export { SqliteStore, DEFAULT_DATA_DIR, DEFAULT_SQLITE_FILE } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export { SCHEMA_VERSION } from './schema.js';
