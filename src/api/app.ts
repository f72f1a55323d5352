import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { authPlugin } from './auth/index.js';
import type { ApiDeps } from './deps.js';
import { installProblemHandlers } from './problem.js';
import { flexibilityRoutes } from './routes/flexibility.js';
import { energyReportRoutes } from './routes/energy-reports.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { modeRoutes } from './routes/modes.js';
import { siteRoutes } from './routes/sites.js';
import { streamRoutes, streamTokenFromQuery, type StreamOptions } from './routes/stream.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { dashboardEventRoutes } from './routes/dashboard-events.js';
import { addOpenAdrSchemas } from './openadr/index.js';
import { openAdrRoutes } from './routes/openadr-routes.js';

export interface AppOptions {
  readonly logger?: FastifyServerOptions['logger'];
  /** The runtime's pino logger, so the API logs the same JSON lines (per-request lines off: the dashboard polls). Wins over `logger`. */
  readonly loggerInstance?: FastifyBaseLogger;
  /** GET /stream timing (throttle, heartbeat, retry hint); defaults 1 s, 15 s, 3 s. */
  readonly stream?: StreamOptions;
}

/**
 * Builds the HTTP app without listening (STYLE.md, Fastify: tests use `inject()`). Every
 * resource is its own plugin under /api/v1; its TypeBox schemas validate requests and feed /docs.
 */
export async function buildApp(deps: ApiDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const logging = options.loggerInstance !== undefined ? { loggerInstance: options.loggerInstance, logController: new LogController({ disableRequestLogging: true }) } : { logger: options.logger ?? false };
  const app: FastifyInstance = Fastify({ ...logging, ajv: { customOptions: { allErrors: true } } });
  installProblemHandlers(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'VPP controller API',
        version: deps.version,
        description:
          'Virtual power plant and demand-response controller. Powers follow the load convention: > 0 draws from the site bus (grid import), < 0 feeds it. Errors are application/problem+json.',
      },
      tags: [{ name: 'operations' }, { name: 'sites' }, { name: 'auth' }],
      components: {
        securitySchemes: {
          oAuth2ClientCredentials: {
            type: 'oauth2',
            description: 'Client credentials from `vpp clients add`; scopes as OpenADR 3.0.1.',
            flows: {
              clientCredentials: {
                tokenUrl: '/api/v1/auth/token',
                scopes: {
                  read_all: 'read (a site client: its own site only)',
                  write_programs: 'operator: programs',
                  write_events: 'operator: events',
                  write_reports: 'site: its reports',
                  write_subscriptions: 'operator and site: subscriptions',
                  write_vens: 'operator; a site client: its own site and assets',
                },
              },
            },
          },
          bearerAuth: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  addOpenAdrSchemas(app);
  // After swagger (so /docs lists the token endpoint), before the routes (whose guards it attaches).
  // EventSource cannot set headers: the stream's ?access_token= must become one before auth runs.
  app.addHook('onRequest', streamTokenFromQuery);
  await app.register(authPlugin(deps.registry, { nowMs: deps.nowMs }));
  await app.register(
    async (api) => {
      await api.register(healthRoutes(deps));
      const modes = deps.modes;
      if (modes !== undefined) {
        await api.register(modeRoutes({ modes, nowMs: deps.nowMs, principal: (req) => req.principal?.clientId ?? 'anonymous' }));
      }
      await api.register(async (sites) => {
        // Reads stay public; a site client that presents its token sees only its own site.
        sites.addHook('preSerialization', async (req: FastifyRequest, _reply, payload: unknown) => ownSiteOnly(req, payload));
        await sites.register(siteRoutes(deps));
      });
      await api.register(flexibilityRoutes(deps));
      await api.register(energyReportRoutes(deps));
      await api.register(streamRoutes(deps, options.stream));
      // OpenADR 3.0.1 programs, events, vens, resources: they live in the registry.
      const registry = deps.registry;
      if (registry !== undefined) await api.register(openAdrRoutes({ ...deps, registry }));
      // The dashboard's public, read-only event summary (window, targets, values; never a write).
      if (registry !== undefined) await api.register(dashboardEventRoutes({ registry, nowMs: deps.nowMs }));
    },
    { prefix: '/api/v1' },
  );
  await app.register(dashboardRoutes());
  // At the root, where scrapers look (not an API resource).
  if (deps.metrics !== undefined) await app.register(metricsRoutes(deps.metrics));
  return app;
}

function ownSiteOnly(req: FastifyRequest, payload: unknown): unknown {
  const p = req.principal;
  if (p === null || p.role !== 'site' || req.routeOptions.url !== '/api/v1/sites' || !Array.isArray(payload)) return payload;
  return payload.filter((s: unknown) => (s as { id?: unknown }).id === p.siteId);
}
