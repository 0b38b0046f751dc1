import type { FastifyInstance } from 'fastify';
import { API_VERSION, type BootstrapTokenList, type BootstrapTokenObject, CreateBootstrapTokenRequest, formatPath } from '../../../protocol/src/index.js';
import type { BootstrapTokenInfo, BootstrapTokens } from '../security/bootstrap-tokens.js';
import { failure } from './failure.js';

/** A token as the API shows it: times as RFC 3339, never the hash; `token` only in the answer to create. */
export function toBootstrapTokenObject(info: BootstrapTokenInfo, token?: string): BootstrapTokenObject {
  return {
    apiVersion: API_VERSION,
    kind: 'BootstrapToken',
    id: info.id,
    state: info.state,
    labels: info.labels,
    uses: info.uses,
    usesLeft: info.usesLeft,
    createdAt: new Date(info.createdAt).toISOString(),
    expiresAt: new Date(info.expiresAt).toISOString(),
    ...(info.revokedAt === undefined ? {} : { revokedAt: new Date(info.revokedAt).toISOString() }),
    nodes: info.nodes,
    ...(token === undefined ? {} : { token }),
  };
}

/**
 * Bootstrap tokens for enrollment (changes need an admin token; the auth hook enforces it):
 * `POST /api/v1/bootstrap-tokens` `{ttlSeconds?, uses?, labels?}` → 201 with the token, shown this
 * once; `GET` lists them without secrets; `DELETE …/{id}` revokes one (it stays listed as Revoked).
 */
export function registerBootstrapTokenRoutes(app: FastifyInstance, tokens: BootstrapTokens): void {
  app.get('/api/v1/bootstrap-tokens', async (): Promise<BootstrapTokenList> => ({ apiVersion: API_VERSION, kind: 'List', items: tokens.list().map((t) => toBootstrapTokenObject(t)) }));

  app.post('/api/v1/bootstrap-tokens', async (request, reply) => {
    const parsed = CreateBootstrapTokenRequest.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = formatPath(issue?.path ?? []);
      return failure(reply, { code: 400, reason: 'Invalid', message: `${field}: ${issue?.message ?? 'invalid'}`, field });
    }
    const { ttlSeconds, uses, labels } = parsed.data;
    const created = await tokens.create({ ttlMs: ttlSeconds * 1000, uses, labels });
    reply.header('cache-control', 'no-store');
    return reply.code(201).send(toBootstrapTokenObject(created.info, created.token));
  });

  app.delete<{ Params: { id: string } }>('/api/v1/bootstrap-tokens/:id', async (request, reply) => {
    const revoked = await tokens.revoke(request.params.id);
    if (!revoked) return failure(reply, { code: 404, reason: 'NotFound', message: `bootstrap token "${request.params.id}" not found` });
    return toBootstrapTokenObject(revoked);
  });
}
