import type { NodePhase, OnNodeLost } from '../../../protocol/src/index.js';
import type { PodOwner } from '../pods/index.js';
import type { StepOf } from './steps.js';

/** What node-loss decisions read of a node: its phase and since when it has had it (hub clock, ms). */
export interface NodeReadiness {
  name: string;
  phase: NodePhase;
  since: number;
}

/** What node-loss decisions read of a pod. */
export interface BoundPod {
  name: string;
  uid: string;
  nodeName?: string;
  owner?: PodOwner;
}

/** Whether `node` counts as lost for a workload with `policy`: not Ready for at least `lostAfterSeconds`. */
export function isLostFor(node: NodeReadiness, options: { policy: OnNodeLost; now: number }): boolean {
  return node.phase !== 'Ready' && options.now - node.since >= options.policy.lostAfterSeconds * 1000;
}

/**
 * The pods to take off lost nodes, pure: a Deployment's pod whose node has not been Ready
 * for its `onNodeLost.lostAfterSeconds` is deleted when the policy is `reschedule` (its
 * controller then creates a replacement that the scheduler places on a Ready node); with
 * `keep` it stays. A DaemonSet's pods belong to their node and always stay, as do pods
 * without a workload. The deletion removes the pod from the lost node's desired state too,
 * so the node stops it when it comes back.
 */
export function planNodeLoss(
  pods: readonly BoundPod[],
  context: { nodes: ReadonlyMap<string, NodeReadiness>; policies: ReadonlyMap<string, OnNodeLost>; now: number },
): Array<StepOf<'deletePod'>> {
  const steps: Array<StepOf<'deletePod'>> = [];
  for (const pod of pods) {
    if (pod.nodeName === undefined || pod.owner?.kind !== 'Deployment') continue;
    const policy = context.policies.get(pod.owner.uid);
    const node = context.nodes.get(pod.nodeName);
    if (policy === undefined || node === undefined || policy.policy !== 'reschedule') continue;
    if (isLostFor(node, { policy, now: context.now })) steps.push({ type: 'deletePod', pod: pod.name, uid: pod.uid, reason: 'NodeLost' });
  }
  return steps;
}
