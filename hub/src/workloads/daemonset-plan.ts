import { type LabelledNode, nodeMatchesTemplate } from './node-match.js';
import { type OwnedPod, type WorkloadStep, deleteStep } from './steps.js';
import type { DaemonSetRecord } from './workload-record.js';

/** How many available pods a template change may take down at once (Kubernetes' default maxUnavailable). */
export const DAEMONSET_MAX_UNAVAILABLE = 1;

const oldestFirst = (a: OwnedPod, b: OwnedPod) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The nodes a DaemonSet wants a pod on, by name. */
export function eligibleNodes(daemonSet: DaemonSetRecord, nodes: readonly LabelledNode[]): string[] {
  return nodes.filter((n) => nodeMatchesTemplate(n, daemonSet.spec.template)).map((n) => n.name);
}

/**
 * The steps that give every eligible node exactly one pod of the DaemonSet's current
 * template (`hash`), bound to the node directly (no scheduler, no resource check). Pure.
 *
 * - A pod on a node that is gone or no longer eligible is deleted; so is a second pod on one node.
 * - An eligible node without a pod gets one.
 * - A pod of an older template is replaced (deleted, and a new one created in the same
 *   pass). One that is not ready goes at once; ready ones one at a time
 *   (DAEMONSET_MAX_UNAVAILABLE), each only once every other node's pod is ready again.
 */
export function planDaemonSet(daemonSet: DaemonSetRecord, observed: { nodes: readonly LabelledNode[]; pods: readonly OwnedPod[]; hash: string }): WorkloadStep[] {
  const { nodes, pods, hash } = observed;
  const eligible = new Set(eligibleNodes(daemonSet, nodes));
  const steps: WorkloadStep[] = [];
  const byNode = new Map<string, OwnedPod[]>();
  for (const pod of pods) {
    if (pod.nodeName === undefined || !eligible.has(pod.nodeName)) {
      steps.push(deleteStep(pod, 'NodeNotEligible'));
      continue;
    }
    byNode.set(pod.nodeName, [...(byNode.get(pod.nodeName) ?? []), pod]);
  }
  const create = (nodeName: string): WorkloadStep => ({ type: 'createPod', kind: 'DaemonSet', workload: daemonSet.name, hash, nodeName });

  const outdated: OwnedPod[] = [];
  let unavailable = 0;
  for (const node of [...eligible].sort()) {
    const onNode = (byNode.get(node) ?? []).sort(oldestFirst);
    // Keep one pod per node: a current one if there is any, the oldest otherwise.
    const keep = onNode.find((p) => p.hash === hash) ?? onNode[0];
    for (const extra of onNode) if (extra !== keep) steps.push(deleteStep(extra, 'Duplicate'));
    if (keep === undefined) {
      steps.push(create(node));
      unavailable++;
    } else if (keep.hash !== hash) {
      outdated.push(keep);
      if (!keep.ready) unavailable++;
    } else if (!keep.ready) {
      unavailable++;
    }
  }
  for (const pod of outdated) {
    if (pod.ready) {
      if (unavailable >= DAEMONSET_MAX_UNAVAILABLE) continue;
      unavailable++;
    }
    steps.push(deleteStep(pod, 'Replaced'), create(pod.nodeName as string));
  }
  return steps;
}
