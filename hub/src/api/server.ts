import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { API_VERSION, type ApiStatus, CorralError, ErrorCode, type NodeList, isNodeName } from '../../../protocol/src/index.js';
import type { CommandClient } from '../command-client.js';
import { toNodeObject } from '../registry/node-object.js';
import type { NodeRegistry } from '../registry/node-registry.js';
import type { HubStats } from '../stats.js';

export interface ApiDeps {
  registry: NodeRegistry;
  stats: HubStats;
  commands: CommandClient;
  startedAt: number;
  now: () => number;
}

function failure(reply: FastifyReply, code: number, reason: string, message: string): FastifyReply {
  const body: ApiStatus = { kind: 'Status', status: 'Failure', code, reason, message };
  return reply.code(code).send(body);
}

/** The hub's HTTP API (`/api/v1/…`, JSON), used by the `corral` CLI. */
export function createApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

  app.get('/healthz', async () => 'ok');

  app.get('/api/v1/nodes', async (): Promise<NodeList> => ({
    apiVersion: API_VERSION,
    kind: 'List',
    items: deps.registry.list().map(toNodeObject),
  }));

  app.get<{ Params: { name: string } }>('/api/v1/nodes/:name', async (request, reply) => {
    const record = deps.registry.get(request.params.name);
    if (!record) return failure(reply, 404, 'NotFound', `node "${request.params.name}" not found`);
    return toNodeObject(record);
  });

  app.post<{ Params: { name: string } }>('/api/v1/nodes/:name/ping', async (request, reply) => {
    const name = request.params.name;
    if (!isNodeName(name) || !deps.registry.get(name)) return failure(reply, 404, 'NotFound', `node "${name}" not found`);
    const sent = deps.now();
    try {
      const result = await deps.commands.request(name, 'ping');
      return { node: name, roundTripMs: deps.now() - sent, ...result };
    } catch (error) {
      if (error instanceof CorralError && error.code === ErrorCode.CommandTimeout) return failure(reply, 504, 'Timeout', error.message);
      return failure(reply, 502, 'BadGateway', (error as Error).message);
    }
  });

  app.get('/api/v1/stats', async () => ({
    ...deps.stats.snapshot(),
    nodes: deps.registry.list().length,
    uptimeSeconds: Math.round((deps.now() - deps.startedAt) / 1000),
  }));

  app.setNotFoundHandler((request, reply) => failure(reply, 404, 'NotFound', `no route ${request.method} ${request.url}`));
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) =>
    failure(reply, error.statusCode ?? 500, error.statusCode && error.statusCode < 500 ? 'BadRequest' : 'InternalError', error.message),
  );
  return app;
}
