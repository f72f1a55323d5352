export { authPlugin, type AuthOptions } from './plugin.js';
export { paramOf, requireRole, requireScope, requireSiteAccess, restrictSiteClient, type Guard } from './guards.js';
export { SCOPES, isScope, roleScopes, type Principal, type Scope } from './scopes.js';
