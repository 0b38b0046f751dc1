import { isDeepStrictEqual } from 'node:util';
import type { PodSpec } from '../../../protocol/src/index.js';

/** What the hub stores for one pod (sublevel `pods`, keyed by name). All times are the hub's clock (ms). */
export interface PodRecord {
  /** Assigned at creation; the agent reports the pod's status under it. */
  uid: string;
  name: string;
  labels: Record<string, string>;
  /** The parsed spec (quantities in millicores and bytes); `toWirePodSpec` turns it back into manifest form. */
  spec: PodSpec;
  /** The node the pod runs on (its `spec.nodeName`); no scheduler yet, so the manifest names it. */
  nodeName: string;
  createdAt: number;
  /** 1 at creation, bumped whenever the spec changes. */
  generation: number;
  /**
   * The generation of the node's desired state that first carried this pod's current spec:
   * once the node reports an `observedGeneration` at least this high, it has seen this generation of the pod.
   */
  nodeGeneration: number;
}

/** Plain JSON comparison, so key order and values that JSON drops (undefined) do not count as differences. */
function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
}

/** A create request repeating an existing pod: the same spec and the same labels. */
export function isSamePod(record: PodRecord, wanted: { spec: PodSpec; labels: Record<string, string> }): boolean {
  return sameJson(record.spec, wanted.spec) && sameJson(record.labels, wanted.labels);
}
