import type { BoundPod } from './node-loss.js';
import type { StepOf } from './steps.js';

export interface DrainPlan {
  /** Deployment pods, deleted so that their controllers create replacements on other nodes. */
  evict: Array<StepOf<'deletePod'>>;
  /** Pods a drain leaves: a DaemonSet's (they belong to the node) and pods without a workload (nothing would replace them). */
  skipped: Array<{ pod: string; reason: 'DaemonSet' | 'NoController' }>;
}

/** What `corral drain NODE` deletes after cordoning the node, pure (Kubernetes' drain without --force). */
export function planDrain(pods: readonly BoundPod[], node: string): DrainPlan {
  const plan: DrainPlan = { evict: [], skipped: [] };
  for (const pod of pods) {
    if (pod.nodeName !== node) continue;
    if (pod.owner?.kind === 'Deployment') plan.evict.push({ type: 'deletePod', pod: pod.name, uid: pod.uid, reason: 'Drained' });
    else plan.skipped.push({ pod: pod.name, reason: pod.owner?.kind === 'DaemonSet' ? 'DaemonSet' : 'NoController' });
  }
  return plan;
}
