import { isDeepStrictEqual } from 'node:util';
import type { PodSpec } from '../../../protocol/src/index.js';

/** The workload that made a pod: its controller creates, replaces and deletes it. */
export interface PodOwner {
  kind: 'Deployment' | 'DaemonSet';
  name: string;
  uid: string;
}

/** What the hub stores for one pod (sublevel `pods`, keyed by name). All times are the hub's clock (ms). */
export interface PodRecord {
  /** Assigned at creation; the agent reports the pod's status under it. */
  uid: string;
  name: string;
  labels: Record<string, string>;
  /** The parsed spec (quantities in millicores and bytes); `toWirePodSpec` turns it back into manifest form. */
  spec: PodSpec;
  /**
   * The node the pod is bound to: the manifest's `spec.nodeName`, or the scheduler's choice.
   * Absent while the pod is Pending for the scheduler; such a pod is in no node's desired state.
   */
  nodeName?: string;
  /** The Deployment or DaemonSet that made the pod; absent for a pod created on its own. */
  owner?: PodOwner;
  createdAt: number;
  /** 1 at creation, bumped whenever the spec changes. */
  generation: number;
  /**
   * The generation of the node's desired state that first carried this pod's current spec:
   * once the node reports an `observedGeneration` at least this high, it has seen this generation of the pod.
   * 0 while the pod is not bound to a node.
   */
  nodeGeneration: number;
}

/** Plain JSON comparison, so key order and values that JSON drops (undefined) do not count as differences. */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
}

/**
 * A create request repeating an existing pod: the same spec and the same labels. A request
 * without `spec.nodeName` repeats a pod the scheduler has bound since (the binding is the hub's).
 */
export function isSamePod(record: PodRecord, wanted: { spec: PodSpec; labels: Record<string, string> }): boolean {
  const spec = wanted.spec.nodeName === undefined ? { ...record.spec, nodeName: undefined } : record.spec;
  return sameJson(spec, wanted.spec) && sameJson(record.labels, wanted.labels);
}
