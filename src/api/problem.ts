import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { VppError } from '../domain/index.js';

/** RFC 9457 problem details; every error the API answers has this shape. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, detail: string, slug?: string): Problem {
  const title = TITLES[status] ?? 'Error';
  return { type: `https://vpp.dev/problems/${slug ?? title.toLowerCase().replace(/\s+/g, '-')}`, title, status, detail };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send({ ...p, instance: reply.request.url });
}

/** Turns schema failures, unknown routes and thrown errors into problem+json. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => sendProblem(reply, problem(404, `no route ${req.method} ${req.url.split('?')[0] ?? ''}`)));
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation !== undefined) {
      // Name each offending field: `querystring.from: must match format "date-time"`.
      const where = err.validationContext ?? 'request';
      const detail = err.validation
        .map((v) => {
          const field = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
          const missing = (v.params as { missingProperty?: string }).missingProperty;
          return `${where}${field !== '' ? `.${field}` : missing !== undefined ? `.${missing}` : ''}: ${v.message ?? 'invalid'}`;
        })
        .join('; ');
      return sendProblem(reply, problem(400, detail, 'validation'));
    }
    if (err instanceof VppError && err.code === 'REGISTRY_BUSY') {
      // Another controller held the registry's write lock too long (Registry.exclusive): nothing broke.
      reply.header('Retry-After', '1');
      return sendProblem(reply, problem(503, "the registry is busy with another controller's write; try again", 'registry-busy'));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return sendProblem(reply, problem(status, status >= 500 ? 'internal error; see the controller log' : err.message));
  });
}
