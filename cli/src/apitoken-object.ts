import { z } from 'zod';
import { CorralError, ErrorCode } from '../../protocol/src/index.js';

/** An API token as the hub shows it: never the hash; `token` (the secret) only in the answer to create. */
export const ApiToken = z.object({
  kind: z.literal('ApiToken'),
  id: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'read-only']),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().optional(),
  token: z.string().optional(),
});
export type ApiToken = z.output<typeof ApiToken>;

export const ApiTokenList = z.object({ kind: z.literal('List'), items: z.array(ApiToken) });
export type ApiTokenList = z.output<typeof ApiTokenList>;

/**
 * The one-line error for a 401 or 403 from the hub: what was missing or not allowed and what to do,
 * e.g. `the hub refused the request: read-only token cannot apply`.
 */
export function refusedError(status: 401 | 403, request: { method: string; path: string; tokenSent: boolean }): CorralError {
  const why =
    status === 403
      ? `read-only token cannot ${actionOf(request.method, request.path)}`
      : request.tokenSent
        ? 'the token is not valid (unknown or revoked; use corral login or CORRAL_TOKEN)'
        : 'no token (use corral login or CORRAL_TOKEN)';
  return new CorralError(ErrorCode.HubError, `the hub refused the request: ${why}`);
}

/** What a refused request tried to do, in the CLI's words: `apply`, `delete`, `drain`, `create tokens`… */
function actionOf(method: string, path: string): string {
  const segments = (path.split('?')[0] ?? '').split('/').filter((s) => s !== '').slice(2);
  const [collection] = segments;
  if (collection === 'tokens') return method === 'POST' ? 'create tokens' : method === 'DELETE' ? 'revoke tokens' : 'list tokens';
  if (method === 'DELETE') return 'delete';
  if (collection === 'apply') return 'apply';
  if (segments.length === 1) return collection === 'pods' ? 'run pods' : `create ${collection ?? 'objects'}`;
  return segments.at(-1) ?? 'change anything';
}
