import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { API_VERSION, formatPath } from '../../../protocol/src/index.js';
import { ApiRole, type ApiTokenInfo, ApiTokenName, type ApiTokens } from '../security/api-tokens.js';
import { failure } from './failure.js';

/** `POST /api/v1/tokens` body. */
const CreateTokenRequest = z.strictObject({ name: ApiTokenName, role: ApiRole });

/** A token as the API shows it: times as RFC 3339, never the hash; `token` only in the answer to create. */
export interface ApiTokenObject {
  apiVersion: typeof API_VERSION;
  kind: 'ApiToken';
  id: string;
  name: string;
  role: ApiRole;
  createdAt: string;
  lastUsedAt?: string;
  token?: string;
}

export function toApiTokenObject(info: ApiTokenInfo, token?: string): ApiTokenObject {
  return {
    apiVersion: API_VERSION,
    kind: 'ApiToken',
    id: info.id,
    name: info.name,
    role: info.role,
    createdAt: new Date(info.createdAt).toISOString(),
    ...(info.lastUsedAt === undefined ? {} : { lastUsedAt: new Date(info.lastUsedAt).toISOString() }),
    ...(token === undefined ? {} : { token }),
  };
}

/**
 * Token management (admin tokens only; the auth hook enforces it): create, list, revoke; and
 * `GET /api/v1/tokens/self`, any token's own record (`corral login` checks a token with it).
 */
export function registerTokenRoutes(app: FastifyInstance, tokens: ApiTokens): void {
  app.get('/api/v1/tokens', async () => ({ apiVersion: API_VERSION, kind: 'List', items: tokens.list().map((t) => toApiTokenObject(t)) }));

  app.get('/api/v1/tokens/self', async (request, reply) => {
    const own = request.apiToken && tokens.get(request.apiToken.id);
    if (!own) return failure(reply, { code: 404, reason: 'NotFound', message: 'this request carries no API token' });
    return toApiTokenObject(own);
  });

  app.post('/api/v1/tokens', async (request, reply) => {
    const parsed = CreateTokenRequest.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = formatPath(issue?.path ?? []);
      return failure(reply, { code: 400, reason: 'Invalid', message: `${field}: ${issue?.message ?? 'invalid'}`, field });
    }
    const outcome = await tokens.create(parsed.data);
    if (!outcome.created) return failure(reply, { code: 409, reason: outcome.reason, message: outcome.message, field: 'name' });
    return reply.code(201).send(toApiTokenObject(outcome.info, outcome.token));
  });

  app.delete<{ Params: { id: string } }>('/api/v1/tokens/:id', async (request, reply) => {
    const outcome = await tokens.revoke(request.params.id);
    if (outcome.revoked) return toApiTokenObject(outcome.info);
    if (outcome.reason === 'NotFound') return failure(reply, { code: 404, reason: 'NotFound', message: outcome.message });
    return failure(reply, { code: 409, reason: 'Conflict', message: outcome.message });
  });
}
