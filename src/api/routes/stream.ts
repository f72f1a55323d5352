import type { ServerResponse } from 'node:http';
import Type from 'typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { asyncScheduler, EMPTY, filter, groupBy, interval, map, merge, mergeMap, throttleTime, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { SiteState } from '../../domain/index.js';
import type { ApiDeps } from '../deps.js';
import { problem, sendProblem } from '../problem.js';
import { siteView } from '../schemas.js';

export interface StreamOptions {
  /** Site events per site at most this often, ms; default 1000. */
  readonly throttleMs?: number;
  /** Comment line to keep proxies from closing an idle stream, ms; default 15000. */
  readonly heartbeatMs?: number;
  /** The `retry:` hint: how long a client waits before reconnecting, ms; default 3000. */
  readonly retryMs?: number;
}

export const STREAM_PATH = '/api/v1/stream';
// A client this far behind is not reading: end its stream (it reconnects and gets a snapshot)
// rather than buffer without bound.
const MAX_BUFFERED_BYTES = 1 << 20;

const ProblemSchema = Type.Object({ type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.String(), instance: Type.Optional(Type.String()) });

const DESCRIPTION = `Server-Sent Events (text/event-stream).
- \`event: site\`: the site view, the same JSON as GET /sites/{id}; one per site on connect, then on each state change, at most once per second per site (the latest state wins).
- \`event: event-status\`: \`{"eventId", "status", "time"}\` when a DR event changes status (pending, active, completed, cancelled).
- a comment line (\`: heartbeat\`) every 15 s, and \`retry:\` (ms) at the start.
Events carry no \`id\`: a client that reconnects gets a fresh snapshot of every site, so \`Last-Event-ID\` is ignored.
\`?site=ID\` limits the stream to one site. A site client sees only its own site. EventSource cannot set headers, so besides \`Authorization: Bearer\` this route (and only this one) accepts \`?access_token=\`. The trade-off: a token in a URL can end up in proxy logs and browser history, so prefer the header where the client can set it (fetch-based readers) and use short-lived tokens.`;

/** Throttles each site on its own: the first state at once, then the latest one per `ms` window. */
export function throttlePerSite(ms: number, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<SiteState> {
  return (states$) =>
    states$.pipe(
      groupBy((s) => s.siteId),
      mergeMap((site$) => site$.pipe(throttleTime(ms, scheduler, { leading: true, trailing: true }))),
    );
}

/**
 * EventSource cannot send headers, so on the stream route a `?access_token=` becomes the bearer
 * header before authentication runs. Register as an onRequest hook ahead of the auth plugin.
 */
export async function streamTokenFromQuery(req: FastifyRequest): Promise<void> {
  if (req.routeOptions.url !== STREAM_PATH || req.headers.authorization !== undefined) return;
  const token = (req.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof token === 'string') req.headers.authorization = `Bearer ${token}`;
}

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** GET /stream: live site state and DR event status as Server-Sent Events. */
export function streamRoutes(deps: ApiDeps, options: StreamOptions = {}): FastifyPluginAsync {
  const throttleMs = options.throttleMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 3000;
  return async (app) => {
    const open = new Map<ServerResponse, Subscription>();
    const end = (res: ServerResponse): void => {
      open.get(res)?.unsubscribe();
      open.delete(res);
      if (!res.writableEnded) res.end();
    };
    // preClose runs before the server stops listening: without it server.close() would wait
    // for every connected client for ever.
    app.addHook('preClose', async () => {
      for (const res of [...open.keys()]) end(res);
    });

    app.get(
      '/stream',
      {
        schema: {
          tags: ['sites'],
          summary: 'Live site state and DR event status (Server-Sent Events)',
          description: DESCRIPTION,
          querystring: Type.Object({
            site: Type.Optional(Type.String({ minLength: 1, description: 'Only this site.' })),
            access_token: Type.Optional(Type.String({ description: 'Bearer token for clients that cannot set headers (EventSource).' })),
          }),
          response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 403: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req, reply) => {
        const p = req.principal;
        let site = (req.query as { site?: string }).site;
        if (p !== null && p.role === 'site') {
          const own = p.siteId ?? '';
          if (site !== undefined && site !== own) {
            reply.header('WWW-Authenticate', 'Bearer realm="vpp", error="insufficient_scope"');
            return sendProblem(reply, problem(403, `client '${p.clientId}' may only access site '${own}', not '${site}'`, 'forbidden'));
          }
          site = own;
        }
        const wanted = (id: string): boolean => site === undefined || id === site;
        if (site !== undefined && !deps.sites().some((v) => v.site.id === site)) return sendProblem(reply, problem(404, `no site '${site}'`));

        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no', // nginx: pass events through unbuffered
        });
        const write = (text: string): void => {
          if (res.writableEnded || res.destroyed) return;
          res.write(text);
          if (res.writableLength > MAX_BUFFERED_BYTES) end(res);
        };
        write(`retry: ${retryMs}\n: connected\n\n`);
        for (const v of deps.sites()) if (wanted(v.site.id)) write(frame('site', siteView(v, deps.nowMs())));

        const sites$ = (deps.siteStates$ ?? EMPTY).pipe(
          filter((s) => wanted(s.siteId)),
          throttlePerSite(throttleMs),
          map((state) => {
            const config = deps.sites().find((v) => v.site.id === state.siteId)?.site;
            return config === undefined ? '' : frame('site', siteView({ site: config, state }, deps.nowMs()));
          }),
        );
        const events$ = (deps.events$ ?? EMPTY).pipe(
          filter((e) => site === undefined || (e.siteIds ?? []).includes(site)),
          map((e) => frame('event-status', { eventId: e.eventId, status: e.status, time: new Date(e.atMs).toISOString() })),
        );
        const heartbeat$ = interval(heartbeatMs).pipe(map(() => ': heartbeat\n\n'));
        const sub = merge(sites$, events$, heartbeat$).subscribe({
          next: (text) => text !== '' && write(text),
          error: (err: unknown) => {
            req.log.error({ err }, 'stream source failed');
            end(res);
          },
        });
        open.set(res, sub);
        res.on('close', () => end(res));
      },
    );
  };
}
