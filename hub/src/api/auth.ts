import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiTokenInfo, ApiTokens } from '../security/api-tokens.js';
import { failure } from './failure.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The bearer token the request was authenticated with (API auth on), without its secret. */
    apiToken: ApiTokenInfo | null;
  }
}

/** Routes anyone may call, as `METHOD /route/pattern` (the pattern fastify matched, not the raw URL). */
export const OPEN_ROUTES: ReadonlySet<string> = new Set([
  'GET /healthz',
  'HEAD /healthz',
  // Enrollment: a new node has no API token yet; it proves itself with the bootstrap token from its
  // provisioning file in the request body, which the enroll route checks itself.
  'POST /api/v1/enroll',
]);

/** Reads an admin token needs although they change nothing (they list other tokens). */
export const ADMIN_READS: ReadonlySet<string> = new Set(['GET /api/v1/tokens', 'HEAD /api/v1/tokens', 'GET /api/v1/bootstrap-tokens', 'HEAD /api/v1/bootstrap-tokens']);

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export type Access =
  | { allowed: true; token: ApiTokenInfo | null }
  | { allowed: false; status: 401; error: 'missing' | 'invalid'; message: string }
  | { allowed: false; status: 403; message: string };

/**
 * Who may do what, decided from the method, the matched route (undefined: no route, which needs a
 * token too, so unknown paths say nothing to strangers) and the Authorization header.
 */
export function decideAccess(request: { method: string; route: string | undefined; authorization: string | undefined }, tokens: Pick<ApiTokens, 'authenticate'>): Access {
  const key = `${request.method} ${request.route ?? ''}`;
  if (request.route !== undefined && OPEN_ROUTES.has(key)) return { allowed: true, token: null };
  const presented = bearerToken(request.authorization);
  if (presented === undefined) {
    return { allowed: false, status: 401, error: 'missing', message: 'no token: send "Authorization: Bearer <token>" (corral login or CORRAL_TOKEN)' };
  }
  const token = tokens.authenticate(presented);
  if (!token) return { allowed: false, status: 401, error: 'invalid', message: 'the token is not valid (unknown or revoked)' };
  if (token.role === 'admin') return { allowed: true, token };
  if (!READ_METHODS.has(request.method)) {
    return { allowed: false, status: 403, message: `read-only token: ${request.method} ${request.route ?? 'this path'} needs an admin token` };
  }
  if (ADMIN_READS.has(key)) return { allowed: false, status: 403, message: `read-only token: ${request.route} needs an admin token` };
  return { allowed: true, token };
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750), else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([^\s]+) *$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Installs API authentication on every route, the not-found handler included: 401 with
 * `WWW-Authenticate: Bearer` without a known token, 403 when a read-only token tries to change
 * anything. Only called when the hub runs with auth on; insecure hubs stay open.
 */
export function registerAuth(app: FastifyInstance, tokens: ApiTokens): void {
  app.decorateRequest('apiToken', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const access = decideAccess({ method: request.method, route: request.routeOptions.url, authorization: request.headers.authorization }, tokens);
    if (access.allowed) {
      request.apiToken = access.token;
      return;
    }
    if (access.status === 401) {
      reply.header('www-authenticate', access.error === 'missing' ? 'Bearer realm="corral"' : 'Bearer realm="corral", error="invalid_token"');
      return failure(reply, { code: 401, reason: 'Unauthorized', message: access.message });
    }
    reply.header('www-authenticate', 'Bearer realm="corral", error="insufficient_scope"');
    return failure(reply, { code: 403, reason: 'Forbidden', message: access.message });
  });
}
