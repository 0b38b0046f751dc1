import { API_VERSION, type PodSpecInput, type PodStatus, type StateMessage, toWirePodSpec } from '../../../protocol/src/index.js';
import type { PodRecord } from './pod-record.js';

/** A pod's status as the API serves it: the node's report for the pod, plus how far the node has caught up. */
export interface PodApiStatus extends PodStatus {
  /**
   * The pod's `metadata.generation` once its node has applied a desired state carrying it
   * (the node's `observedGeneration` reached the pod's); absent while the node has not.
   */
  observedGeneration?: number;
  /** From the node's last heartbeat: cpu in millicores, memory (working set) in bytes. */
  usage?: { cpu: number; memory: number };
}

/**
 * The Pod of DESIGN.md §2 as the HTTP API serves it: PodObject's shape with the spec
 * in manifest form (quantities as `"250m"`, `"64Mi"`), so `PodObject` parses it back.
 */
export interface PodApiObject {
  apiVersion: typeof API_VERSION;
  kind: 'Pod';
  metadata: {
    name: string;
    uid: string;
    labels: Record<string, string>;
    creationTimestamp: string;
    generation: number;
    /** The workload that made the pod, as Kubernetes names it. */
    ownerReferences?: Array<{ kind: string; name: string; uid: string; controller: true }>;
  };
  spec: PodSpecInput;
  status: PodApiStatus;
}

export interface PodApiList {
  apiVersion: typeof API_VERSION;
  kind: 'List';
  items: PodApiObject[];
}

/**
 * The API Pod for a stored record and the last `state` its node sent (if any).
 * The status is the node's report for the pod's uid; a pod the node has not
 * reported yet is Pending with no container statuses.
 */
export function toPodObject(record: PodRecord, observed: StateMessage | undefined, usage?: ReadonlyArray<{ name: string; cpu: number; memory: number }>): PodApiObject {
  const reported = observed?.pods.find((p) => p.uid === record.uid);
  const status: PodApiStatus = reported ? { ...reported, name: record.name } : { name: record.name, uid: record.uid, phase: 'Pending', containerStatuses: [] };
  if (observed !== undefined && observed.observedGeneration >= record.nodeGeneration) status.observedGeneration = record.generation;
  const used = usage?.find((u) => u.name === record.name);
  if (used) status.usage = { cpu: used.cpu, memory: used.memory };
  return {
    apiVersion: API_VERSION,
    kind: 'Pod',
    metadata: {
      name: record.name,
      uid: record.uid,
      labels: record.labels,
      creationTimestamp: new Date(record.createdAt).toISOString(),
      generation: record.generation,
      ...(record.owner ? { ownerReferences: [{ ...record.owner, controller: true as const }] } : {}),
    },
    spec: { ...toWirePodSpec(record.spec), nodeName: record.nodeName },
    status,
  };
}
