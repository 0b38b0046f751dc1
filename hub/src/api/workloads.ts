import type { FastifyInstance, FastifyReply } from 'fastify';
import { API_VERSION } from '../../../protocol/src/index.js';
import type { PodStore } from '../pods/index.js';
import type { NodeRegistry } from '../registry/node-registry.js';
import { explainDecision } from '../scheduler/index.js';
import type { Decision } from '../scheduler/types.js';
import {
  type DaemonSetRecord,
  type DeploymentRecord,
  type WorkloadApiObject,
  type WorkloadController,
  type WorkloadKind,
  type WorkloadStore,
  daemonSetStatus,
  deploymentStatus,
  eligibleNodes,
  podsByOwner,
  templateHash,
  toDaemonSetObject,
  toDeploymentObject,
  toLabelledNode,
  toOwnedPod,
} from '../workloads/index.js';
import { failure } from './failure.js';

export interface WorkloadRouteDeps {
  workloads: WorkloadStore;
  controller: Pick<WorkloadController, 'decision' | 'observedGeneration' | 'workloadEvents'>;
  pods: PodStore;
  registry: NodeRegistry;
  /** Renders a decision's verdicts as lines; the scheduler's `explainDecision` unless a test gives another. */
  explain?: (decision: Decision) => string[];
}

/** URL segment of each kind, as kubectl names them. */
const PLURAL: Record<WorkloadKind, string> = { Deployment: 'deployments', DaemonSet: 'daemonsets' };

/** What `GET /api/v1/pods/{name}/explain` answers. */
export interface PodExplanation {
  pod: string;
  /** The node the pod is bound to, if any. */
  node?: string;
  phase: 'Pending' | 'Bound';
  /** Why the pod is (not) where it is, in a sentence. */
  message: string;
  /** The scheduler's last decision for the pod (every node's verdict), while the hub keeps it. */
  decision?: Decision;
  /** The decision's verdicts in words, one line each. */
  lines: string[];
}

/** Deployment and DaemonSet routes (list, get, delete, events) and `explain` for a pod's placement. */
export function registerWorkloadRoutes(app: FastifyInstance, deps: WorkloadRouteDeps): void {
  const explain = deps.explain ?? explainDecision;

  const serve = (record: DeploymentRecord | DaemonSetRecord): WorkloadApiObject => {
    const pods = (podsByOwner(deps.pods.list()).get(record.uid) ?? []).map((p) => toOwnedPod(p, deps.registry));
    const hash = templateHash(record.spec.template);
    const observed = deps.controller.observedGeneration(record);
    if (record.kind === 'Deployment') return toDeploymentObject(record, deploymentStatus(record, { pods, hash, observedGeneration: observed }));
    const eligible = eligibleNodes(record, deps.registry.list().map(toLabelledNode));
    return toDaemonSetObject(record, daemonSetStatus({ pods, eligible, hash, observedGeneration: observed }));
  };
  const notFound = (reply: FastifyReply, kind: WorkloadKind, name: string) => failure(reply, { code: 404, reason: 'NotFound', message: `${kind.toLowerCase()} ${JSON.stringify(name)} not found` });

  for (const kind of ['Deployment', 'DaemonSet'] as const) {
    const base = `/api/v1/${PLURAL[kind]}`;
    app.get(base, async () => ({ apiVersion: API_VERSION, kind: 'List', items: deps.workloads.list(kind).map(serve) }));
    app.get<{ Params: { name: string } }>(`${base}/:name`, async (request, reply) => {
      const record = deps.workloads.get(kind, request.params.name);
      return record ? serve(record) : notFound(reply, kind, request.params.name);
    });
    app.get<{ Params: { name: string } }>(`${base}/:name/events`, async (request, reply) => {
      if (!deps.workloads.get(kind, request.params.name)) return notFound(reply, kind, request.params.name);
      const items = deps.controller.workloadEvents(kind, request.params.name).map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
      return { apiVersion: API_VERSION, kind: 'List', items };
    });
    app.delete<{ Params: { name: string } }>(`${base}/:name`, async (request, reply) => {
      const record = deps.workloads.get(kind, request.params.name);
      if (!record) return notFound(reply, kind, request.params.name);
      const served = serve(record);
      await deps.workloads.delete(kind, request.params.name);
      return served;
    });
  }

  app.get<{ Params: { name: string } }>('/api/v1/pods/:name/explain', async (request, reply) => {
    const pod = deps.pods.get(request.params.name);
    if (!pod) return failure(reply, { code: 404, reason: 'NotFound', message: `pod ${JSON.stringify(request.params.name)} not found` });
    const decision = deps.controller.decision(pod.name);
    const bound = pod.nodeName !== undefined;
    let message: string;
    if (decision === undefined) {
      message = bound ? `bound to node ${pod.nodeName} without a scheduling decision the hub still has (named by spec.nodeName, or placed before the hub restarted)` : 'not scheduled yet';
    } else if (decision.node === undefined) {
      message = `no node fits: ${decision.verdicts.length} node${decision.verdicts.length === 1 ? '' : 's'} rejected the pod; it stays Pending and is retried whenever nodes or pods change`;
    } else {
      message = `scheduled to node ${decision.node}`;
    }
    const body: PodExplanation = {
      pod: pod.name,
      ...(bound ? { node: pod.nodeName } : {}),
      phase: bound ? 'Bound' : 'Pending',
      message,
      ...(decision ? { decision } : {}),
      lines: decision ? explain(decision) : [],
    };
    return body;
  });
}
