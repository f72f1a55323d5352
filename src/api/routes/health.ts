import { monitorEventLoopDelay } from 'node:perf_hooks';
import Type from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { problem } from '../problem.js';

/**
 * Liveness fails when the event loop stalled this long (p99 since the last probe): a process
 * that answers a probe but runs its 1 s control cycle a few seconds late is not alive in any
 * useful sense, and a restart is what a supervisor should do about it.
 */
export const LIVE_MAX_EVENT_LOOP_DELAY_MS = 5000;

const LiveSchema = Type.Object({
  status: Type.Enum(['ok', 'stalled']),
  uptimeS: Type.Number(),
  eventLoopDelayMs: Type.Number({ description: 'p99 event loop delay since the previous liveness probe.' }),
});

const CheckSchema = Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() });
const ReadySchema = Type.Object({ status: Type.Literal('ready'), checks: Type.Array(CheckSchema) });

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

    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    app.addHook('onClose', async () => loopDelay.disable());
    app.get(
      '/health/live',
      { schema: { tags: ['operations'], summary: 'Liveness: the process is up and its event loop keeps up', response: { 200: LiveSchema, 503: LiveSchema } } },
      async (_req, reply) => {
        // The histogram is in nanoseconds; it is empty until the loop has turned a few times.
        const delayMs = loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0;
        loopDelay.reset();
        const stalled = delayMs > LIVE_MAX_EVENT_LOOP_DELAY_MS;
        return reply.code(stalled ? 503 : 200).send({ status: stalled ? 'stalled' : 'ok', uptimeS: Math.round(process.uptime() * 10) / 10, eventLoopDelayMs: Math.round(delayMs * 10) / 10 });
      },
    );

    app.get(
      '/health/ready',
      {
        schema: {
          tags: ['operations'],
          summary: 'Readiness: 503 problem+json naming the failing checks until the controller is worth sending traffic to',
          response: { 200: ReadySchema, 503: Type.Object({ type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.String(), instance: Type.String(), checks: Type.Array(CheckSchema) }) },
        },
      },
      async (req, reply) => {
        const report = deps.readiness?.() ?? { ready: true, checks: [] };
        if (report.ready) return reply.send({ status: 'ready' as const, checks: report.checks });
        const failing = report.checks.filter((c) => !c.ok);
        const detail = `not ready: ${failing.map((c) => `${c.name} (${c.detail})`).join('; ')}`;
        return reply
          .code(503)
          .type('application/problem+json')
          .send({ ...problem(503, detail, 'not-ready'), instance: req.url, checks: report.checks });
      },
    );
  };
}
