import Fastify, { type FastifyInstance } from 'fastify';
import { API_VERSION, CorralError, ErrorCode, type NodeList, isNodeName } from '../../../protocol/src/index.js';
import type { CommandClient } from '../command-client.js';
import type { CronJobController, CronJobStore, LastRuns } from '../cronjobs/index.js';
import type { EventLog } from '../events/event-log.js';
import type { PodStore } from '../pods/index.js';
import { toNodeObject } from '../registry/node-object.js';
import type { NodeRegistry } from '../registry/node-registry.js';
import type { ApiTokens } from '../security/api-tokens.js';
import type { HubStats } from '../stats.js';
import type { Decision } from '../scheduler/types.js';
import type { WorkloadController, WorkloadStore } from '../workloads/index.js';
import { registerApplyRoutes } from './apply.js';
import { registerAuth } from './auth.js';
import { registerBootstrapTokenRoutes } from './bootstrap-tokens.js';
import { registerCronJobRoutes } from './cronjobs.js';
import { type EnrollRouteDeps, registerEnrollRoutes } from './enroll.js';
import { registerEventRoutes } from './events.js';
import { failure } from './failure.js';
import { registerNodeAdminRoutes } from './node-admin.js';
import { type NodeCredentialRouteDeps, registerNodeCredentialRoutes } from './node-credentials.js';
import { registerPodRoutes } from './pods.js';
import { registerSigningKeyRoutes } from './signing-key.js';
import { registerTokenRoutes } from './tokens.js';
import { registerWorkloadRoutes } from './workloads.js';

export interface ApiDeps {
  /** The hub's desired-state signing public key (SPKI PEM), served at `GET /api/v1/hub/signing-key`. */
  signingKeyPem?: string;
  registry: NodeRegistry;
  stats: HubStats;
  commands: CommandClient;
  pods: PodStore;
  startedAt: number;
  now: () => number;
  /** Agents' outbox events (absent in tests of other routes). */
  events?: EventLog;
  /** How long `GET /api/v1/pods/{name}/log` waits for the node (tests shorten it). */
  logsTimeoutMs?: number;
  /** Deployments and DaemonSets: apply, workload, explain and cordon/drain routes (absent: pods and nodes only). */
  workloads?: {
    store: WorkloadStore;
    controller: WorkloadController;
    explain?: (decision: Decision) => string[];
  };
  /** CronJobs: applied with the workloads, their routes need the event log too (absent: no CronJob routes). */
  cronJobs?: {
    store: CronJobStore;
    controller: CronJobController;
    lastRuns: LastRuns;
    /** How long `trigger` waits for each node (tests shorten it). */
    triggerTimeoutMs?: number;
  };
  /** Node broker credentials and `DELETE /api/v1/nodes/{name}` (absent: no such routes). */
  nodeCredentials?: Omit<NodeCredentialRouteDeps, 'registry'>;
  /** Bearer tokens (secure mode): every route but /healthz needs one; absent: the API is open (insecure mode). */
  auth?: ApiTokens;
  /** Enrollment (`POST /api/v1/enroll`) and its bootstrap tokens (`/api/v1/bootstrap-tokens`); absent: no such routes. */
  enrollment?: EnrollRouteDeps;
  /** Secure mode: serve https with the hub's server certificate; absent: plain http. */
  https?: { key: string; cert: string } | undefined;
}

/** The hub's HTTP API (`/api/v1/…`, JSON), used by the `corral` CLI. */
export function createApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ...(deps.https ? { https: { ...deps.https, minVersion: 'TLSv1.2' as const } } : {}) });
  if (deps.auth) registerAuth(app, deps.auth);

  app.get('/healthz', async () => 'ok');

  app.get('/api/v1/nodes', async (): Promise<NodeList> => ({
    apiVersion: API_VERSION,
    kind: 'List',
    items: deps.registry.list().map(toNodeObject),
  }));

  app.get<{ Params: { name: string } }>('/api/v1/nodes/:name', async (request, reply) => {
    const record = deps.registry.get(request.params.name);
    if (!record) return failure(reply, { code: 404, reason: 'NotFound', message: `node "${request.params.name}" not found` });
    return toNodeObject(record);
  });

  app.post<{ Params: { name: string } }>('/api/v1/nodes/:name/ping', async (request, reply) => {
    const name = request.params.name;
    if (!isNodeName(name) || !deps.registry.get(name)) return failure(reply, { code: 404, reason: 'NotFound', message: `node "${name}" not found` });
    const sent = deps.now();
    try {
      const result = await deps.commands.request(name, { op: 'ping' });
      return { node: name, roundTripMs: deps.now() - sent, ...result };
    } catch (error) {
      if (error instanceof CorralError && error.code === ErrorCode.CommandTimeout) return failure(reply, { code: 504, reason: 'Timeout', message: error.message });
      return failure(reply, { code: 502, reason: 'BadGateway', message: (error as Error).message });
    }
  });

  registerPodRoutes(app, deps);
  if (deps.nodeCredentials) registerNodeCredentialRoutes(app, { ...deps.nodeCredentials, registry: deps.registry });
  if (deps.signingKeyPem !== undefined) registerSigningKeyRoutes(app, { publicKeyPem: deps.signingKeyPem });
  if (deps.auth) registerTokenRoutes(app, deps.auth);
  if (deps.enrollment) {
    registerEnrollRoutes(app, deps.enrollment);
    registerBootstrapTokenRoutes(app, deps.enrollment.tokens);
  }
  if (deps.events) registerEventRoutes(app, deps.events);
  if (deps.workloads) {
    const { store, controller, explain } = deps.workloads;
    registerApplyRoutes(app, { pods: deps.pods, workloads: store, ...(deps.cronJobs ? { cronJobs: deps.cronJobs.store } : {}) });
    registerWorkloadRoutes(app, { workloads: store, controller, pods: deps.pods, registry: deps.registry, ...(explain ? { explain } : {}) });
    registerNodeAdminRoutes(app, { registry: deps.registry, controller });
  }
  if (deps.cronJobs && deps.events) {
    const { store, controller, lastRuns, triggerTimeoutMs } = deps.cronJobs;
    registerCronJobRoutes(app, { cronJobs: store, controller, lastRuns, pods: deps.pods, registry: deps.registry, commands: deps.commands, events: deps.events, ...(triggerTimeoutMs === undefined ? {} : { triggerTimeoutMs }) });
  }

  app.get('/api/v1/stats', async () => ({
    ...deps.stats.snapshot(),
    nodes: deps.registry.list().length,
    pods: deps.pods.list().length,
    uptimeSeconds: Math.round((deps.now() - deps.startedAt) / 1000),
  }));

  app.setNotFoundHandler((request, reply) => failure(reply, { code: 404, reason: 'NotFound', message: `no route ${request.method} ${request.url}` }));
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) =>
    failure(reply, { code: error.statusCode ?? 500, reason: error.statusCode && error.statusCode < 500 ? 'BadRequest' : 'InternalError', message: error.message }),
  );
  return app;
}
