import { z } from 'zod';
import { API_VERSION, PodObject, PodStatus, toWirePodSpec } from '../../protocol/src/index.js';

/**
 * A Pod as the hub's API serves it: PodObject (which parses the spec's quantities)
 * plus what only the hub fills in: uid, generation, creation time, and the status
 * the pod's node reported with the generation it observed.
 */
export const ApiPod = PodObject.extend({
  metadata: PodObject.shape.metadata.extend({
    uid: z.string(),
    generation: z.number().int().nonnegative(),
    creationTimestamp: z.iso.datetime(),
    /** The workload that made the pod. */
    ownerReferences: z.array(z.object({ kind: z.string(), name: z.string(), uid: z.string() })).optional(),
  }),
  status: PodStatus.extend({ observedGeneration: z.number().int().nonnegative().optional() }),
});
export type ApiPod = z.output<typeof ApiPod>;

export const ApiPodList = z.object({ apiVersion: z.literal(API_VERSION), kind: z.literal('List'), items: z.array(ApiPod) });
export type ApiPodList = z.output<typeof ApiPodList>;

/** The pod with its spec back in manifest form (`cpu: 250m`, not 250), as `-o json|yaml` print it. */
export function podManifestForm(pod: ApiPod): Omit<ApiPod, 'spec'> & { spec: ReturnType<typeof toWirePodSpec> } {
  return { ...pod, spec: toWirePodSpec(pod.spec) };
}
