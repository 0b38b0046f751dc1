import { HOSTNAME_LABEL, type StateMessage } from '../../../protocol/src/index.js';
import type { PodRecord } from '../pods/index.js';
import type { NodeRecord } from '../registry/node-record.js';
import type { LabelledNode } from './node-match.js';
import { TEMPLATE_HASH_LABEL } from './pod-naming.js';
import type { OwnedPod } from './steps.js';

/** What the controllers read of the node registry. */
export interface NodeView {
  list(): NodeRecord[];
  get(name: string): NodeRecord | undefined;
  observedState(name: string): StateMessage | undefined;
}

/**
 * Ready: the pod's node is Ready and last reported the pod (by uid) Running with every
 * container ready. A NotReady node's last report is stale, so its pods do not count.
 */
export function isPodReady(pod: Pick<PodRecord, 'uid' | 'nodeName'>, nodes: Pick<NodeView, 'get' | 'observedState'>): boolean {
  if (pod.nodeName === undefined || nodes.get(pod.nodeName)?.phase !== 'Ready') return false;
  const reported = nodes.observedState(pod.nodeName)?.pods.find((p) => p.uid === pod.uid);
  return reported?.phase === 'Running' && reported.containerStatuses.length > 0 && reported.containerStatuses.every((c) => c.ready);
}

export function toOwnedPod(pod: PodRecord, nodes: Pick<NodeView, 'get' | 'observedState'>): OwnedPod {
  return {
    name: pod.name,
    uid: pod.uid,
    hash: pod.labels[TEMPLATE_HASH_LABEL],
    ...(pod.nodeName === undefined ? {} : { nodeName: pod.nodeName }),
    createdAt: pod.createdAt,
    ready: isPodReady(pod, nodes),
  };
}

/** The pods each workload made, by the workload's uid. */
export function podsByOwner(pods: readonly PodRecord[]): Map<string, PodRecord[]> {
  const byOwner = new Map<string, PodRecord[]>();
  for (const pod of pods) {
    if (pod.owner === undefined) continue;
    byOwner.set(pod.owner.uid, [...(byOwner.get(pod.owner.uid) ?? []), pod]);
  }
  return byOwner;
}

/** A node as DaemonSet placement reads it: labels with `corral.io/hostname`, taints (none from agents yet). */
export function toLabelledNode(record: Pick<NodeRecord, 'name' | 'labels'>): LabelledNode {
  return { name: record.name, labels: { ...record.labels, [HOSTNAME_LABEL]: record.name }, taints: [] };
}
