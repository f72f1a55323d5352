import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from '../problem.js';
import type { Principal, Scope } from './scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, from a valid bearer token; null without one (set by authPlugin). */
    principal: Principal | null;
    /** Why a presented bearer token was refused, or null. */
    tokenError: string | null;
  }
}

export type Guard = (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

// Marks our guards, so authPlugin sees a route that guards itself and adds no default guard.
const GUARD = Symbol('vpp.authGuard');
function guard(fn: Guard): Guard {
  return Object.assign(fn, { [GUARD]: true });
}
export function isGuard(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[GUARD] === true;
}

const REALM = 'realm="vpp"';

/** 401 per RFC 6750 §3: WWW-Authenticate names the problem when a token was presented. */
export function sendUnauthorized(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const detail = req.tokenError ?? 'this request needs a bearer token: POST /api/v1/auth/token with client credentials';
  reply.header('WWW-Authenticate', req.tokenError !== null ? `Bearer ${REALM}, error="invalid_token", error_description="${req.tokenError}"` : `Bearer ${REALM}`);
  return sendProblem(reply, problem(401, detail, 'unauthorized'));
}

function sendForbidden(reply: FastifyReply, detail: string, scope?: Scope): FastifyReply {
  reply.header('WWW-Authenticate', `Bearer ${REALM}, error="insufficient_scope"${scope !== undefined ? `, scope="${scope}"` : ''}`);
  return sendProblem(reply, problem(403, detail, 'forbidden'));
}

/** 401 without a valid token; 403 when the token lacks `scope`. Use as onRequest (runs before body validation). */
export function requireScope(scope: Scope): Guard {
  return guard(async (req, reply) => {
    const p = req.principal;
    if (p === null) return sendUnauthorized(req, reply);
    if (!p.scopes.includes(scope)) return sendForbidden(reply, `client '${p.clientId}' (role ${p.role}) lacks scope ${scope}`, scope);
    return undefined;
  });
}

/**
 * 401 without a valid token; 403 when a site client names another site. `siteOf` reads the
 * site id from the request (a path parameter, usually); undefined = the route names no site.
 */
export function requireSiteAccess(siteOf: (req: FastifyRequest) => string | undefined | Promise<string | undefined>): Guard {
  return guard(async (req, reply) => {
    if (req.principal === null) return sendUnauthorized(req, reply);
    return restrictSiteClient(siteOf)(req, reply);
  });
}

/** For public reads: anonymous callers pass, a site client only for its own site. */
export function restrictSiteClient(siteOf: (req: FastifyRequest) => string | undefined | Promise<string | undefined>): Guard {
  return guard(async (req, reply) => {
    const p = req.principal;
    const siteId = await siteOf(req);
    if (p === null || p.role !== 'site' || siteId === undefined || siteId === p.siteId) return undefined;
    return sendForbidden(reply, `client '${p.clientId}' may only access site '${p.siteId ?? ''}', not '${siteId}'`);
  });
}

/** 401 without a valid token; 403 unless the caller has `role`. */
export function requireRole(role: Principal['role']): Guard {
  return guard(async (req, reply) => {
    const p = req.principal;
    if (p === null) return sendUnauthorized(req, reply);
    if (p.role !== role) return sendForbidden(reply, `only role ${role} may do this; client '${p.clientId}' has role ${p.role}`);
    return undefined;
  });
}

/** The string value of path parameter `name`, if the route has it. */
export function paramOf(name: string): (req: FastifyRequest) => string | undefined {
  return (req) => {
    const v = (req.params as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v : undefined;
  };
}
