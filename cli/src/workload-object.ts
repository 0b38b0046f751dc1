import { z } from 'zod';
import { API_VERSION, DaemonSetObject, DeploymentObject, type ManifestObject, templateSpec, toWirePodSpec } from '../../protocol/src/index.js';

const served = {
  uid: z.string(),
  generation: z.number().int().nonnegative(),
  creationTimestamp: z.iso.datetime(),
};
const count = z.number().int().nonnegative();

/** A Deployment as the hub serves it: the manifest (quantities parsed) plus uid, generation, creation time and status. */
export const ApiDeployment = DeploymentObject.extend({
  metadata: DeploymentObject.shape.metadata.extend(served),
  status: z.object({
    observedGeneration: count.optional(),
    replicas: count,
    updatedReplicas: count,
    readyReplicas: count,
    availableReplicas: count,
    unavailableReplicas: count,
    pendingReplicas: count.default(0),
  }),
});
export type ApiDeployment = z.output<typeof ApiDeployment>;

export const ApiDaemonSet = DaemonSetObject.extend({
  metadata: DaemonSetObject.shape.metadata.extend(served),
  status: z.object({
    observedGeneration: count.optional(),
    desiredNumberScheduled: count,
    currentNumberScheduled: count,
    updatedNumberScheduled: count,
    numberReady: count,
    numberAvailable: count,
    numberUnavailable: count,
    numberMisscheduled: count,
  }),
});
export type ApiDaemonSet = z.output<typeof ApiDaemonSet>;

export const ApiDeploymentList = z.object({ apiVersion: z.literal(API_VERSION), kind: z.literal('List'), items: z.array(ApiDeployment) });
export type ApiDeploymentList = z.output<typeof ApiDeploymentList>;
export const ApiDaemonSetList = z.object({ apiVersion: z.literal(API_VERSION), kind: z.literal('List'), items: z.array(ApiDaemonSet) });
export type ApiDaemonSetList = z.output<typeof ApiDaemonSetList>;

export const WorkloadEventList = z.object({
  kind: z.literal('List'),
  items: z.array(z.object({ at: z.iso.datetime(), reason: z.string(), message: z.string() })),
});
export type WorkloadEventList = z.output<typeof WorkloadEventList>;

/** What `POST /api/v1/apply` answers: each object's outcome. */
export const ApplyResult = z.object({
  kind: z.literal('ApplyResult'),
  results: z.array(
    z.union([
      z.object({ kind: z.string(), name: z.string(), action: z.enum(['created', 'configured', 'unchanged']) }),
      z.object({ kind: z.string(), name: z.string(), error: z.object({ reason: z.string(), message: z.string() }) }),
    ]),
  ),
});
export type ApplyResult = z.output<typeof ApplyResult>;

/** What `GET /api/v1/pods/{name}/explain` answers (the decision itself is kept as data, unchecked). */
export const PodExplanation = z.object({
  pod: z.string(),
  node: z.string().optional(),
  phase: z.enum(['Pending', 'Bound']),
  message: z.string(),
  decision: z.unknown().optional(),
  lines: z.array(z.string()),
});
export type PodExplanation = z.output<typeof PodExplanation>;

export const DrainResult = z.object({
  node: z.string(),
  evicted: z.array(z.string()),
  skipped: z.array(z.object({ pod: z.string(), reason: z.string() })),
});
export type DrainResult = z.output<typeof DrainResult>;

type TemplateLike = Parameters<typeof templateSpec>[0];

function templateManifestForm(template: TemplateLike) {
  return { ...toWirePodSpec(templateSpec(template)), metadata: template.metadata };
}

/**
 * A parsed manifest object back in manifest form (`cpu: "250m"`, not 250), the form the hub
 * validates: a parsed cpu number would otherwise read as cores.
 */
export function manifestForm(object: ManifestObject): unknown {
  if (object.kind === 'Pod') return { ...object, spec: toWirePodSpec(object.spec) };
  return { ...object, spec: { ...object.spec, template: templateManifestForm(object.spec.template) } };
}

/** The workload with its template back in manifest form, as `-o json|yaml` print it. */
export function workloadManifestForm<T extends ApiDeployment | ApiDaemonSet>(workload: T): unknown {
  return { ...workload, spec: { ...workload.spec, template: templateManifestForm(workload.spec.template) } };
}
