import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { ApiDeps } from './deps.js';
import { installProblemHandlers } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { siteRoutes } from './routes/sites.js';
import { dashboardRoutes } from './routes/dashboard.js';

export interface AppOptions {
  readonly logger?: FastifyServerOptions['logger'];
}

/**
 * Builds the HTTP app without listening (STYLE.md, Fastify: tests use `inject()`). Every
 * resource is its own plugin under /api/v1; its TypeBox schemas validate requests and feed /docs.
 */
export async function buildApp(deps: ApiDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, ajv: { customOptions: { allErrors: true } } });
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
      tags: [{ name: 'operations' }, { name: 'sites' }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(
    async (api) => {
      await api.register(healthRoutes(deps));
      await api.register(siteRoutes(deps));
    },
    { prefix: '/api/v1' },
  );
  await app.register(dashboardRoutes());
  return app;
}
