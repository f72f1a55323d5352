import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, RouteOptions } from 'fastify';
import type { Registry } from '../../store/index.js';
import { isGuard, paramOf, requireRole, requireScope, requireSiteAccess, restrictSiteClient, sendUnauthorized, type Guard } from './guards.js';
import { FailureLimiter } from './rate-limit.js';
import { roleScopes, type Scope } from './scopes.js';
import { tokenRoute } from './token-route.js';
import { TokenStore } from './tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a token even though it writes (the token endpoint). */
    authPublic?: boolean;
    /** The OpenADR scope the route needs; enforced before the body is read. */
    scope?: Scope;
    /** Path parameter holding the site id a site client must own. */
    siteParam?: string;
  }
}

export interface AuthOptions {
  readonly nowMs?: () => number;
  /** Access token lifetime; default 3600 s. */
  readonly tokenTtlS?: number;
  /** Failed logins allowed per client id and per IP within `failureWindowS`; default 5. */
  readonly failureLimit?: number;
  readonly failureWindowS?: number;
  /** Where the token endpoint lives; default /api/v1 (→ /api/v1/auth/token). */
  readonly prefix?: string;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Routes that name a site by `:siteId` (or `/sites/:id`) are site-guarded without saying so. */
function defaultSiteParam(url: string): string | undefined {
  if (/:siteId(?![A-Za-z0-9_])/.test(url)) return 'siteId';
  if (/\/sites\/:id(?![A-Za-z0-9_])/.test(url)) return 'id';
  return undefined;
}

/**
 * Bearer-token authentication for the whole app: decorates every request with `principal`,
 * serves the OAuth2 token endpoint, and attaches guards from each route's config:
 * `scope` → requireScope, `siteParam` (default: `:siteId`, or `:id` after /sites/) →
 * requireSiteAccess (or, on a public read, only the site-client restriction). A write route
 * that declares no scope and has none of our guards is operator-only, so no write is ever open
 * by omission. Without a registry there are no credentials: every write answers 401.
 */
export function authPlugin(registry: Pick<Registry, 'clients'> | undefined, options: AuthOptions = {}): FastifyPluginAsync {
  const nowMs = options.nowMs ?? Date.now;
  const tokens = new TokenStore(options.tokenTtlS ?? 3600, nowMs);
  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('tokenError', null);

    app.addHook('onRequest', async (req, reply) => {
      // Set here too: contexts registered before this plugin (swagger-ui) miss the decorators' defaults.
      req.principal = null;
      req.tokenError = null;
      const header = req.headers.authorization;
      if (header === undefined || !/^bearer /i.test(header)) return undefined;
      await authenticate(req, header.slice(7).trim());
      // A token that was presented but is not valid is refused everywhere (RFC 6750 §3.1),
      // so a client learns its token expired instead of silently reading as anonymous.
      if (req.tokenError !== null && req.routeOptions.config.authPublic !== true) return sendUnauthorized(req, reply);
      return undefined;
    });

    app.addHook('onRoute', (route: RouteOptions) => {
      const config = (route.config ?? {}) as { authPublic?: boolean; scope?: Scope; siteParam?: string };
      if (config.authPublic === true) return;
      const writes = [route.method].flat().some((m) => WRITES.has(m));
      const guards: Guard[] = [];
      const own: unknown[] = route.onRequest === undefined ? [] : [route.onRequest].flat();
      const guardedByRoute = own.some(isGuard);
      if (config.scope !== undefined) guards.push(requireScope(config.scope));
      else if (writes && !guardedByRoute) guards.push(requireRole('operator'));
      const siteParam = config.siteParam ?? defaultSiteParam(route.url);
      if (siteParam !== undefined) {
        const siteOf = paramOf(siteParam);
        guards.push(guards.length > 0 || guardedByRoute ? requireSiteAccess(siteOf) : restrictSiteClient(siteOf));
      }
      if (guards.length === 0) return;
      route.onRequest = [...guards, ...own] as RouteOptions['onRequest'];
    });

    if (registry !== undefined) {
      const limiter = new FailureLimiter(options.failureLimit ?? 5, (options.failureWindowS ?? 60) * 1000, nowMs);
      await app.register(tokenRoute({ clients: registry.clients, tokens, limiter }), { prefix: options.prefix ?? '/api/v1' });
    }
  };

  async function authenticate(req: FastifyRequest, token: string): Promise<void> {
    const grant = token === '' ? null : tokens.lookup(token);
    if (grant === null) {
      req.tokenError = 'the access token is unknown or expired';
      return;
    }
    // Looked up on every request so `vpp clients disable` takes effect at once.
    const client = (await registry?.clients.get(grant.clientId)) ?? null;
    if (client === null || client.disabled) {
      req.tokenError = 'the client of this access token is disabled';
      return;
    }
    const allowed = roleScopes(client.role);
    req.principal = { clientId: client.clientId, role: client.role, siteId: client.siteId, scopes: grant.scopes.filter((s) => allowed.includes(s)) };
  }

  // Not encapsulated (what fastify-plugin does): the decorators and hooks apply to the whole app.
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
