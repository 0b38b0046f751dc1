import type { FastifyInstance } from 'fastify';
import { API_VERSION, CorralError, ErrorCode, isNodeName } from '../../../protocol/src/index.js';
import { type CommandClient, CommandFailedError } from '../command-client.js';
import type { CronJobRecord, CronJobStore } from '../cronjobs/index.js';
import type { NodeRegistry } from '../registry/node-registry.js';
import { failure } from './failure.js';

export interface CronJobTriggerDeps {
  cronJobs: CronJobStore;
  registry: NodeRegistry;
  commands: CommandClient;
  /** The nodes the job runs on. */
  nodesOf: (record: CronJobRecord) => string[];
  triggerTimeoutMs?: number;
}

/** Below the CLI's 10 s request timeout, so a silent node reads as a 504 rather than an unreachable hub. */
const TRIGGER_TIMEOUT_MS = 8_000;

/** One node's answer to `trigger`: the run it started (or why not), or why it could not be asked. */
export type TriggerOutcome = { node: string; run: string; started: boolean; reason?: string } | { node: string; error: { code: number; reason: string; message: string } };

/** Asks one node to start a run now; every failure becomes an outcome with the HTTP status the other command routes use. */
async function triggerOn(deps: CronJobTriggerDeps, node: string, job: string): Promise<TriggerOutcome> {
  const record = deps.registry.get(node);
  if (record && !record.online) return { node, error: { code: 503, reason: 'Unavailable', message: `node ${node} is not connected (${record.ready.reason})` } };
  try {
    const result = await deps.commands.request(node, { op: 'trigger', job }, { timeoutMs: deps.triggerTimeoutMs ?? TRIGGER_TIMEOUT_MS });
    return { node, run: result.run, started: result.started, ...(result.reason === undefined ? {} : { reason: result.reason }) };
  } catch (error) {
    if (error instanceof CorralError && error.code === ErrorCode.CommandTimeout) return { node, error: { code: 504, reason: 'Timeout', message: error.message } };
    if (error instanceof CommandFailedError && error.remote.code === ErrorCode.CronJobNotFound) {
      return { node, error: { code: 404, reason: 'NotFound', message: `node ${node} does not have cronjob ${job} (yet): its desired state is not applied` } };
    }
    if (error instanceof CommandFailedError) return { node, error: { code: 502, reason: 'BadGateway', message: `node ${node}: ${error.remote.code}: ${error.remote.message}` } };
    return { node, error: { code: 502, reason: 'BadGateway', message: (error as Error).message } };
  }
}

/**
 * `POST /api/v1/cronjobs/{name}/trigger?node=`: the `trigger` command to every node the job
 * runs on (`OneNode`: its node), or to `node` only, all at once. 200 with each node's outcome
 * when any node answered; when every node failed, the first failure's status (504 timeout,
 * 503 not connected, 404 the node has not applied the job yet, 502 the agent failed) with every
 * node's error in `details.causes`.
 */
export function registerCronJobTrigger(app: FastifyInstance, deps: CronJobTriggerDeps): void {
  app.post<{ Params: { name: string }; Querystring: { node?: string } }>('/api/v1/cronjobs/:name/trigger', async (request, reply) => {
    const record = deps.cronJobs.get(request.params.name);
    if (!record) return failure(reply, { code: 404, reason: 'NotFound', message: `cronjob ${JSON.stringify(request.params.name)} not found` });
    const { node } = request.query;
    if (node !== undefined && !isNodeName(node)) return failure(reply, { code: 400, reason: 'BadRequest', message: `node: ${JSON.stringify(node)} is not a node name`, field: 'node' });
    const placed = deps.nodesOf(record);
    if (placed.length === 0) return failure(reply, { code: 409, reason: 'Conflict', message: `cronjob ${record.name} runs on no node yet` });
    if (node !== undefined && !placed.includes(node)) {
      return failure(reply, { code: 400, reason: 'BadRequest', message: `node: cronjob ${record.name} does not run on node ${node} (it runs on ${placed.join(', ')})`, field: 'node' });
    }
    const targets = node === undefined ? placed : [node];
    const results = await Promise.all(targets.map((n) => triggerOn(deps, n, record.name)));
    const failed = results.filter((r): r is Extract<TriggerOutcome, { error: unknown }> => 'error' in r);
    const [first] = failed;
    if (first !== undefined && failed.length === results.length) {
      const body = { kind: 'Status', status: 'Failure', code: first.error.code, reason: first.error.reason, message: first.error.message, details: { causes: failed.map((f) => ({ field: f.node, message: f.error.message })) } };
      return reply.code(first.error.code).send(body);
    }
    return { apiVersion: API_VERSION, kind: 'TriggerResult', job: record.name, results };
  });
}
