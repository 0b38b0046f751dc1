import type { FastifyInstance } from 'fastify';
import { API_VERSION, isNodeName } from '../../../protocol/src/index.js';
import type { EventLog } from '../events/event-log.js';
import { failure } from './failure.js';

/** `GET /api/v1/events?node=&pod=&limit=`: the agents' events, newest first, with each node's delivery counters. */
export function registerEventRoutes(app: FastifyInstance, events: EventLog): void {
  app.get<{ Querystring: { node?: string; pod?: string; limit?: string } }>('/api/v1/events', async (request, reply) => {
    const { node, pod, limit } = request.query;
    if (node !== undefined && !isNodeName(node)) return failure(reply, { code: 400, reason: 'BadRequest', message: `node: ${JSON.stringify(node)} is not a node name` });
    const max = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(max) || max < 1 || max > 10_000) return failure(reply, { code: 400, reason: 'BadRequest', message: 'limit: must be an integer from 1 to 10000' });
    const items = await events.list({ ...(node !== undefined ? { node } : {}), ...(pod !== undefined ? { pod } : {}), limit: max });
    const nodes = node !== undefined ? [node] : events.nodes();
    const delivery = Object.fromEntries(nodes.flatMap((n) => {
      const cursor = events.cursor(n);
      return cursor ? [[n, cursor]] : [];
    }));
    return { apiVersion: API_VERSION, kind: 'EventList', items, delivery };
  });
}
