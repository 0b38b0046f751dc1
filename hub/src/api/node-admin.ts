import type { FastifyInstance } from 'fastify';
import type { NodeRegistry } from '../registry/node-registry.js';
import { toNodeObject } from '../registry/node-object.js';
import type { WorkloadController } from '../workloads/index.js';
import { failure } from './failure.js';

export interface NodeAdminRouteDeps {
  registry: NodeRegistry;
  controller: Pick<WorkloadController, 'drain'>;
}

/** `cordon`, `uncordon` and `drain` of a node (POST, no body). */
export function registerNodeAdminRoutes(app: FastifyInstance, deps: NodeAdminRouteDeps): void {
  const notFound = (name: string) => ({ code: 404, reason: 'NotFound', message: `node ${JSON.stringify(name)} not found` });

  for (const [verb, unschedulable] of [['cordon', true], ['uncordon', false]] as const) {
    app.post<{ Params: { name: string } }>(`/api/v1/nodes/:name/${verb}`, async (request, reply) => {
      const { name } = request.params;
      if (!(await deps.registry.setUnschedulable(name, unschedulable))) return failure(reply, notFound(name));
      return toNodeObject(deps.registry.get(name)!);
    });
  }

  /** Cordon, then delete the node's Deployment pods; DaemonSet pods and pods of no workload stay. */
  app.post<{ Params: { name: string } }>('/api/v1/nodes/:name/drain', async (request, reply) => {
    const { name } = request.params;
    const plan = await deps.controller.drain(name);
    if (!plan) return failure(reply, notFound(name));
    return { node: name, evicted: plan.evict.map((s) => s.pod), skipped: plan.skipped };
  });
}
