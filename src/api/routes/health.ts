import Type from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';

const HealthSchema = Type.Object({
  status: Type.Literal('ok', { description: 'Liveness: the process answers.' }),
  field: Type.Enum(['ok', 'degraded'], { description: 'degraded while any field device is not connected.' }),
  version: Type.String(),
  time: Type.String({ format: 'date-time' }),
  store: Type.String(),
  adapters: Type.Array(
    Type.Object({
      siteId: Type.String(),
      assetId: Type.String(),
      binding: Type.String(),
      connected: Type.Boolean(),
      consecutiveErrors: Type.Integer(),
      lastError: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

/** Liveness (`status` is always ok when it answers) plus field connectivity (`field`). */
export function healthRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', { schema: { tags: ['operations'], summary: 'Liveness and field connectivity', response: { 200: HealthSchema } } }, async () => {
      const adapters = deps.adapters().map((a) => ({
        siteId: a.siteId,
        assetId: a.assetId,
        binding: a.binding,
        connected: a.connected,
        consecutiveErrors: a.consecutiveErrors,
        lastError: a.lastError,
      }));
      return {
        status: 'ok' as const,
        field: adapters.every((a) => a.connected) ? ('ok' as const) : ('degraded' as const),
        version: deps.version,
        time: new Date(deps.nowMs()).toISOString(),
        store: deps.store.kind,
        adapters,
      };
    });
  };
}
