import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { isNodeName } from '../../../protocol/src/index.js';
import type { NodeRegistry } from '../registry/node-registry.js';
import type { NodeCredentials } from '../security/node-credentials.js';
import { failure } from './failure.js';

export interface NodeCredentialRouteDeps {
  credentials: NodeCredentials;
  registry: Pick<NodeRegistry, 'get' | 'forget'>;
  log: Logger;
  /** Closes the node's broker connections (the embedded broker in secure mode); how many there were. */
  disconnect?: (node: string) => number;
  /** Evicts the node's Deployment pods so their controllers place them elsewhere (the pods it evicted). */
  drain?: (node: string) => Promise<string[]>;
  /** Clears the node's retained `status` on the broker, so a reconnecting hub does not register it again. */
  clearStatus?: (node: string) => Promise<void>;
}

/** Answer of `POST /api/v1/nodes/{name}/credentials`: the password, this once. */
export interface NodeCredentialsAnswer {
  kind: 'NodeCredentials';
  node: string;
  username: string;
  password: string;
  /** Whether earlier credentials of the node were replaced (they no longer work). */
  rotated: boolean;
}

/** Answer of `DELETE /api/v1/nodes/{name}`. */
export interface NodeDeleteAnswer {
  kind: 'NodeDeletion';
  node: string;
  /** Whether the node was in the registry (it is not any more). */
  registered: boolean;
  credentialsRevoked: boolean;
  /** Broker connections closed. */
  disconnected: number;
  /** Deployment pods deleted from the node (their controllers create replacements elsewhere). */
  evicted: string[];
}

/**
 * Broker credentials of nodes and the removal of a node:
 * `POST /api/v1/nodes/{name}/credentials` issues (or rotates) a node's
 * password, for a node that has not registered yet too (enrollment comes
 * first); `DELETE /api/v1/nodes/{name}` revokes it, closes the node's
 * connection, evicts its Deployment pods and forgets the node. DaemonSet pods
 * go with the node (their controller); other pods stay bound to it.
 */
export function registerNodeCredentialRoutes(app: FastifyInstance, deps: NodeCredentialRouteDeps): void {
  app.post<{ Params: { name: string } }>('/api/v1/nodes/:name/credentials', async (request, reply) => {
    const { name } = request.params;
    const rotated = deps.credentials.has(name);
    const issued = await deps.credentials.issue(name);
    if (!issued.ok) return failure(reply, { code: 400, reason: 'BadRequest', message: `node ${JSON.stringify(name)}: ${issued.error.message}` });
    reply.code(201);
    const answer: NodeCredentialsAnswer = { kind: 'NodeCredentials', node: name, ...issued.value, rotated };
    return answer;
  });

  app.delete<{ Params: { name: string } }>('/api/v1/nodes/:name', async (request, reply) => {
    const { name } = request.params;
    const registered = isNodeName(name) && deps.registry.get(name) !== undefined;
    if (!registered && !deps.credentials.has(name)) return failure(reply, { code: 404, reason: 'NotFound', message: `node ${JSON.stringify(name)} not found` });
    // Revoke first: from here on the node cannot log in again, whatever else fails.
    const credentialsRevoked = await deps.credentials.revoke(name);
    const disconnected = deps.disconnect?.(name) ?? 0;
    const evicted = registered && deps.drain ? await deps.drain(name) : [];
    if (registered) await deps.registry.forget(name);
    await deps.clearStatus?.(name).catch((error: unknown) => deps.log.warn({ err: error, node: name }, 'could not clear the retained status of a deleted node'));
    const answer: NodeDeleteAnswer = { kind: 'NodeDeletion', node: name, registered, credentialsRevoked, disconnected, evicted };
    return answer;
  });
}
