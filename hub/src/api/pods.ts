import type { FastifyInstance, FastifyReply } from 'fastify';
import { API_VERSION, CorralError, ErrorCode, PodObject, formatPath } from '../../../protocol/src/index.js';
import { type CommandClient, CommandFailedError } from '../command-client.js';
import { type CreatePodRejection, type PodApiList, type PodApiObject, type PodRecord, type PodStore, toPodObject } from '../pods/index.js';
import type { NodeRegistry } from '../registry/node-registry.js';
import { failure } from './failure.js';

export interface PodRouteDeps {
  pods: PodStore;
  registry: NodeRegistry;
  commands: CommandClient;
  /** How long to wait for the node's answer to `logs`; default LOGS_TIMEOUT_MS. */
  logsTimeoutMs?: number;
}

/** Most log lines one request may ask for (the `logs` command's limit). */
const MAX_TAIL = 10_000;
/** Below the CLI's 10 s request timeout, so a silent node reads as a 504 rather than an unreachable hub. */
const LOGS_TIMEOUT_MS = 8_000;

const rejectionStatus: Record<CreatePodRejection['reason'], { code: number; reason: string }> = {
  NodeNotFound: { code: 404, reason: 'NotFound' },
  AlreadyExists: { code: 409, reason: 'AlreadyExists' },
  TooManyPods: { code: 400, reason: 'Invalid' },
  TooManyCronJobs: { code: 400, reason: 'Invalid' },
  TooLarge: { code: 400, reason: 'Invalid' },
  Invalid: { code: 500, reason: 'InternalError' },
};

type LogQuery = { container?: unknown; tail?: unknown };

/** Pod routes of the HTTP API: create, list, get, delete, and a container's log through the pod's node. */
export function registerPodRoutes(app: FastifyInstance, deps: PodRouteDeps): void {
  const podObject = (record: PodRecord): PodApiObject =>
    record.nodeName === undefined ? toPodObject(record, undefined) : toPodObject(record, deps.registry.observedState(record.nodeName), deps.registry.get(record.nodeName)?.podUsage);
  const notFound = (reply: FastifyReply, name: string) => failure(reply, { code: 404, reason: 'NotFound', message: `pod ${JSON.stringify(name)} not found` });

  app.post('/api/v1/pods', async (request, reply) => {
    const parsed = PodObject.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = formatPath(issue?.path ?? []);
      const message = `${field}: ${issue?.message ?? 'invalid'}`;
      return failure(reply, { code: 400, reason: 'Invalid', message, field });
    }
    const { metadata, spec } = parsed.data;
    const created = await deps.pods.create({ name: metadata.name, labels: metadata.labels, spec });
    if (!created.ok) {
      const { code, reason } = rejectionStatus[created.error.reason];
      return failure(reply, { code, reason, message: created.error.message, ...('path' in created.error ? { field: created.error.path } : {}) });
    }
    return reply.code(created.value.created ? 201 : 200).send(podObject(created.value.record));
  });

  app.get<{ Querystring: { node?: unknown } }>('/api/v1/pods', async (request): Promise<PodApiList> => {
    const node = typeof request.query.node === 'string' && request.query.node !== '' ? request.query.node : undefined;
    return { apiVersion: API_VERSION, kind: 'List', items: deps.pods.list(node === undefined ? {} : { node }).map(podObject) };
  });

  app.get<{ Params: { name: string } }>('/api/v1/pods/:name', async (request, reply) => {
    const record = deps.pods.get(request.params.name);
    return record ? podObject(record) : notFound(reply, request.params.name);
  });

  app.delete<{ Params: { name: string } }>('/api/v1/pods/:name', async (request, reply) => {
    const record = await deps.pods.delete(request.params.name);
    return record ? podObject(record) : notFound(reply, request.params.name);
  });

  app.get<{ Params: { name: string }; Querystring: LogQuery }>('/api/v1/pods/:name/log', async (request, reply) => {
    const record = deps.pods.get(request.params.name);
    if (!record) return notFound(reply, request.params.name);
    const tail = parseTail(request.query.tail);
    if (tail === null) {
      const message = `tail: must be a whole number from 1 to ${MAX_TAIL}`;
      return failure(reply, { code: 400, reason: 'Invalid', message, field: 'tail' });
    }
    const container = pickContainer(record, request.query.container);
    if (!container.ok) return failure(reply, { code: container.code, reason: container.code === 404 ? 'NotFound' : 'Invalid', message: container.message, field: 'container' });

    const nodeName = record.nodeName;
    if (nodeName === undefined) return failure(reply, { code: 400, reason: 'BadRequest', message: `pod ${JSON.stringify(record.name)} is Pending: it is not bound to a node yet` });
    const node = deps.registry.get(nodeName);
    if (node && !node.online) return failure(reply, { code: 503, reason: 'Unavailable', message: `node ${nodeName} is not connected (${node.ready.reason})` });
    try {
      const command = { op: 'logs', pod: record.name, container: container.name, ...(tail === undefined ? {} : { tail }) } as const;
      return await deps.commands.request(nodeName, command, { timeoutMs: deps.logsTimeoutMs ?? LOGS_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof CorralError && error.code === ErrorCode.CommandTimeout) return failure(reply, { code: 504, reason: 'Timeout', message: error.message });
      if (error instanceof CommandFailedError && error.remote.code === ErrorCode.PodNotFound) {
        return failure(reply, { code: 404, reason: 'NotFound', message: `node ${nodeName} does not run pod ${JSON.stringify(record.name)} (yet): ${error.remote.message}` });
      }
      return failure(reply, { code: 502, reason: 'BadGateway', message: (error as Error).message });
    }
  });
}

/** `undefined` when absent, `null` when not a whole number in 1..MAX_TAIL. */
function parseTail(value: unknown): number | undefined | null {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^[0-9]{1,6}$/.test(value)) return null;
  const tail = Number(value);
  return tail >= 1 && tail <= MAX_TAIL ? tail : null;
}

/** The container whose log is asked for: the named one, or the only one; kubectl's rule for several. */
function pickContainer(record: PodRecord, value: unknown): { ok: true; name: string } | { ok: false; code: 400 | 404; message: string } {
  const names = record.spec.containers.map((c) => c.name);
  if (value === undefined || value === '') {
    if (names.length === 1) return { ok: true, name: names[0] as string };
    return { ok: false, code: 400, message: `container: pod ${record.name} has several containers; name one of: ${names.join(', ')}` };
  }
  if (typeof value === 'string' && names.includes(value)) return { ok: true, name: value };
  return { ok: false, code: 404, message: `container ${JSON.stringify(String(value))} not found in pod ${record.name} (containers: ${names.join(', ')})` };
}
