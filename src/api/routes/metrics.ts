import type { FastifyPluginAsync } from 'fastify';
import type { MetricsExposition } from '../deps.js';

/**
 * GET /metrics at the root, where Prometheus looks by default (not under /api/v1: it is for
 * scrapers, not API clients). Text exposition format 0.0.4; what it holds is listed in README.md.
 */
export function metricsRoutes(metrics: MetricsExposition): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/metrics',
      { schema: { tags: ['operations'], summary: 'Prometheus metrics (text exposition format 0.0.4)' } },
      async (_req, reply) => {
        const body = await metrics.metrics();
        return reply.type(metrics.contentType).send(body);
      },
    );
  };
}
