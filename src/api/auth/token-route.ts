import Type from 'typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRepository } from '../../store/index.js';
import type { FailureLimiter } from './rate-limit.js';
import { isScope, roleScopes, type Scope } from './scopes.js';
import type { TokenStore } from './tokens.js';

export interface TokenRouteDeps {
  readonly clients: ClientRepository;
  readonly tokens: TokenStore;
  readonly limiter: FailureLimiter;
}

type OAuthError = 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unsupported_grant_type';

const TokenRequest = Type.Object({
  grant_type: Type.Literal('client_credentials'),
  client_id: Type.String({ minLength: 1, maxLength: 4096 }),
  client_secret: Type.String({ minLength: 1, maxLength: 4096 }),
  scope: Type.Optional(Type.String({ maxLength: 4096, description: 'Space-separated; default: every scope of the client\'s role.' })),
});

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
});

const AuthError = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });
const TooMany = Type.Object({ type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.String(), instance: Type.Optional(Type.String()) });

/**
 * POST /auth/token, OAuth2 client credentials (RFC 6749 §4.4), as OpenADR 3 defines it.
 * Client authentication by body parameters or HTTP Basic (§2.3.1). Errors here are RFC 6749
 * §5.2 bodies (`{"error": ...}`), which OAuth client libraries parse; only the rate limit's 429
 * (not an OAuth error) is problem+json like the rest of the API.
 */
export function tokenRoute(deps: TokenRouteDeps): FastifyPluginAsync {
  return async (app) => {
    // Encapsulated here: only the token endpoint reads forms, so no other route grows a parser.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      const form: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(String(body))) {
        const prev = form[k];
        form[k] = prev === undefined ? v : [prev, v].flat();
      }
      done(null, form);
    });

    app.post(
      '/auth/token',
      {
        config: { authPublic: true },
        attachValidation: true,
        schema: {
          tags: ['auth'],
          summary: 'Exchange client credentials for a bearer token (form or JSON body)',
          body: TokenRequest,
          response: { 200: TokenResponse, 400: AuthError, 401: AuthError, 429: TooMany },
        },
      },
      async (req, reply) => {
        reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
        const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
        const repeated = Object.entries(body).find(([, v]) => Array.isArray(v));
        if (repeated !== undefined) return oauthError(reply, 400, 'invalid_request', `parameter ${repeated[0]} is repeated`);
        const grant = body.grant_type;
        if (grant === undefined) return oauthError(reply, 400, 'invalid_request', 'grant_type is missing');
        if (grant !== 'client_credentials') return oauthError(reply, 400, 'unsupported_grant_type', `grant_type must be client_credentials, got ${JSON.stringify(grant)}`);

        const basic = basicCredentials(req);
        if (basic === 'malformed') return oauthError(reply, 400, 'invalid_request', 'the Basic authorization header is malformed');
        if (basic !== null && (body.client_id !== undefined || body.client_secret !== undefined)) {
          return oauthError(reply, 400, 'invalid_request', 'send client credentials either in the Authorization header or in the body, not both');
        }
        const clientId = basic?.id ?? body.client_id;
        const secret = basic?.secret ?? body.client_secret;
        for (const [name, v] of [['client_id', clientId], ['client_secret', secret]] as const) {
          if (typeof v !== 'string' || v === '' || v.length > 4096) return oauthError(reply, 400, 'invalid_request', `${name} must be a non-empty string of at most 4096 characters`);
        }
        const id = clientId as string;

        const wait = Math.max(deps.limiter.retryAfterS(`ip:${req.ip}`), deps.limiter.retryAfterS(`client:${id}`));
        if (wait > 0) {
          reply.header('Retry-After', String(wait));
          return reply.code(429).type('application/problem+json').send({
            type: 'https://vpp.dev/problems/too-many-failed-logins',
            title: 'Too Many Requests',
            status: 429,
            detail: `too many failed logins for this client or address; retry in ${wait} s`,
            instance: req.url,
          });
        }
        // Charged before the (slow) hash check and refunded on success, so parallel guesses
        // cannot all pass the check above before the first failure is counted.
        const keys = [`ip:${req.ip}`, `client:${id}`];
        for (const k of keys) deps.limiter.fail(k);
        const client = await deps.clients.verify(id, secret as string);
        if (client !== null) for (const k of keys) deps.limiter.refund(k);
        if (client === null) {
          if (basic !== null) reply.header('WWW-Authenticate', 'Basic realm="vpp"');
          return oauthError(reply, 401, 'invalid_client', 'unknown client, wrong secret or disabled client');
        }

        const allowed = roleScopes(client.role);
        let scopes: readonly Scope[] = allowed;
        if (typeof body.scope === 'string' && body.scope.trim() !== '') {
          const asked = body.scope.trim().split(/\s+/);
          const bad = asked.find((s) => !isScope(s) || !allowed.includes(s));
          if (bad !== undefined) return oauthError(reply, 400, 'invalid_scope', `scope ${bad} is not granted to role ${client.role}`);
          scopes = allowed.filter((s) => asked.includes(s));
        }
        const issued = deps.tokens.issue(client.clientId, scopes);
        return { access_token: issued.accessToken, token_type: 'Bearer' as const, expires_in: issued.expiresInS, scope: scopes.join(' ') };
      },
    );
  };
}

function oauthError(reply: FastifyReply, status: 400 | 401, error: OAuthError, description: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error, error_description: description });
}

/** RFC 6749 §2.3.1: id and secret, each form-urlencoded, joined by ':' and base64'd. */
function basicCredentials(req: FastifyRequest): { id: string; secret: string } | null | 'malformed' {
  const header = req.headers.authorization;
  if (header === undefined || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
  } catch {
    return 'malformed';
  }
}
