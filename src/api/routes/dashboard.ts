import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';

const PAGE = new URL('../static/index.html', import.meta.url);

/**
 * A plain status page at `/` that polls /api/v1/sites. The full dashboard (charts, events,
 * carbon report) is a later issue; this page only shows the live numbers and their quality.
 */
export function dashboardRoutes(): FastifyPluginAsync {
  const html = readFileSync(PAGE, 'utf8');
  return async (app) => {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(html));
  };
}
