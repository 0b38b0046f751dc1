import type { FastifyInstance, FastifyReply } from 'fastify';
import { API_VERSION, isNodeName } from '../../../protocol/src/index.js';
import type { CommandClient } from '../command-client.js';
import { type CronJobApiObject, type CronJobController, type CronJobRecord, type CronJobStore, type LastRuns, nextRunAt, runHistory, toCronJobObject } from '../cronjobs/index.js';
import type { EventLog } from '../events/event-log.js';
import type { PodStore } from '../pods/index.js';
import type { NodeRegistry } from '../registry/node-registry.js';
import { explainDecision } from '../scheduler/index.js';
import { registerCronJobTrigger } from './cronjob-trigger.js';
import { failure } from './failure.js';

export interface CronJobRouteDeps {
  cronJobs: CronJobStore;
  controller: Pick<CronJobController, 'unplaced' | 'jobEvents'>;
  /** The nodes' committed desired states: where each job runs. */
  pods: Pick<PodStore, 'cronJobNodes' | 'cronJobsOf'>;
  registry: NodeRegistry;
  commands: CommandClient;
  events: EventLog;
  lastRuns: LastRuns;
  /** How long `trigger` waits for each node's answer; default 8 s. */
  triggerTimeoutMs?: number;
  /** The next run of a schedule (`nextRunAt` unless a test gives another). */
  nextRun?: typeof nextRunAt;
}

/** Most runs one request may ask for. */
const MAX_RUNS = 10_000;

/** The nodes whose committed desired state carries the job (by uid), sorted. */
export function nodesRunning(pods: CronJobRouteDeps['pods'], job: Pick<CronJobRecord, 'uid'>): string[] {
  return pods.cronJobNodes().filter((node) => pods.cronJobsOf(node).some((j) => j.uid === job.uid));
}

/** CronJob routes: list, get (with next and last runs per node), delete, the controller's events, runs, trigger. */
export function registerCronJobRoutes(app: FastifyInstance, deps: CronJobRouteDeps): void {
  const nextRun = deps.nextRun ?? nextRunAt;
  const serve = (record: CronJobRecord): CronJobApiObject => {
    const decision = deps.controller.unplaced(record);
    return toCronJobObject(record, {
      nodes: nodesRunning(deps.pods, record),
      nextRun: nextRun(record.spec),
      lastRuns: deps.lastRuns.of(record.name),
      latest: deps.lastRuns.latest(record.name),
      unschedulable: decision === undefined ? undefined : explainDecision(decision),
    });
  };
  const notFound = (reply: FastifyReply, name: string) => failure(reply, { code: 404, reason: 'NotFound', message: `cronjob ${JSON.stringify(name)} not found` });

  app.get('/api/v1/cronjobs', async () => ({ apiVersion: API_VERSION, kind: 'List', items: deps.cronJobs.list().map(serve) }));

  app.get<{ Params: { name: string } }>('/api/v1/cronjobs/:name', async (request, reply) => {
    const record = deps.cronJobs.get(request.params.name);
    return record ? serve(record) : notFound(reply, request.params.name);
  });

  app.delete<{ Params: { name: string } }>('/api/v1/cronjobs/:name', async (request, reply) => {
    const record = deps.cronJobs.get(request.params.name);
    if (!record) return notFound(reply, request.params.name);
    const served = serve(record);
    await deps.cronJobs.delete(request.params.name);
    return served;
  });

  app.get<{ Params: { name: string } }>('/api/v1/cronjobs/:name/events', async (request, reply) => {
    if (!deps.cronJobs.get(request.params.name)) return notFound(reply, request.params.name);
    const items = deps.controller.jobEvents(request.params.name).map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
    return { apiVersion: API_VERSION, kind: 'List', items };
  });

  /** The job's runs from its nodes' CronRun events, newest first, its history limits applied per node. */
  app.get<{ Params: { name: string }; Querystring: { node?: string; limit?: string } }>('/api/v1/cronjobs/:name/runs', async (request, reply) => {
    const record = deps.cronJobs.get(request.params.name);
    if (!record) return notFound(reply, request.params.name);
    const { node, limit } = request.query;
    if (node !== undefined && !isNodeName(node)) return failure(reply, { code: 400, reason: 'BadRequest', message: `node: ${JSON.stringify(node)} is not a node name`, field: 'node' });
    const max = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(max) || max < 1 || max > MAX_RUNS) return failure(reply, { code: 400, reason: 'BadRequest', message: `limit: must be an integer from 1 to ${MAX_RUNS}`, field: 'limit' });
    const events = await deps.events.list({ ...(node === undefined ? {} : { node }), type: 'CronRun', job: record.name, limit: 10_000 });
    const items = runHistory(events, { job: record.name, successfulRunsHistoryLimit: record.spec.successfulRunsHistoryLimit, failedRunsHistoryLimit: record.spec.failedRunsHistoryLimit, limit: max });
    return { apiVersion: API_VERSION, kind: 'RunList', job: record.name, items };
  });

  registerCronJobTrigger(app, { ...deps, nodesOf: (record) => nodesRunning(deps.pods, record) });
}
