export { openSiteOwnership } from './ownership.js';
export type { OwnedSite, SiteOwner, SiteOwnership, SiteOwnershipOptions } from './ownership.js';
export { openPgRegistry, type PgRegistryOptions } from './shared-registry/index.js';
