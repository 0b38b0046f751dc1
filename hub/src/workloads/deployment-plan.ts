import { resolveIntOrPercent } from '../../../protocol/src/index.js';
import { type OwnedPod, type WorkloadStep, deleteStep, pickVictims } from './steps.js';
import type { DeploymentRecord } from './workload-record.js';

/** maxSurge and maxUnavailable as pod counts for `replicas`; never both 0 (nothing could move). */
export function rollingBudget(deployment: DeploymentRecord): { maxSurge: number; maxUnavailable: number } {
  const { replicas, strategy } = deployment.spec;
  const maxSurge = resolveIntOrPercent(strategy.rollingUpdate.maxSurge, replicas, 'up');
  const maxUnavailable = resolveIntOrPercent(strategy.rollingUpdate.maxUnavailable, replicas, 'down');
  return maxSurge === 0 && maxUnavailable === 0 ? { maxSurge, maxUnavailable: 1 } : { maxSurge, maxUnavailable };
}

function createSteps(deployment: DeploymentRecord, hash: string, count: number): WorkloadStep[] {
  return Array.from({ length: Math.max(0, count) }, () => ({ type: 'createPod', kind: 'Deployment', workload: deployment.name, hash }) as const);
}

/**
 * The steps that bring a Deployment's pods towards `spec.replicas` pods of its current
 * template (`hash`). Pure; run again after the steps are done until it returns nothing.
 *
 * - No pods of an older template: create the missing pods, or delete the surplus (most expendable first).
 * - Recreate: delete every older pod first; create new ones only once they are gone.
 * - RollingUpdate (Kubernetes' arithmetic): at most `replicas + maxSurge` pods in all, and
 *   older pods deleted only while at least `replicas - maxUnavailable` pods stay ready —
 *   older pods that are not ready go first, since deleting them costs no availability.
 */
export function planDeployment(deployment: DeploymentRecord, observed: { pods: readonly OwnedPod[]; hash: string }): WorkloadStep[] {
  const { pods, hash } = observed;
  const { replicas, strategy } = deployment.spec;
  const current = pods.filter((p) => p.hash === hash);
  const old = pods.filter((p) => p.hash !== hash);

  if (old.length === 0) {
    if (current.length < replicas) return createSteps(deployment, hash, replicas - current.length);
    return pickVictims(current, current.length - replicas).map((p) => deleteStep(p, 'ScaleDown'));
  }
  if (strategy.type === 'Recreate') return old.map((p) => deleteStep(p, 'Replaced'));

  const { maxSurge, maxUnavailable } = rollingBudget(deployment);
  const total = current.length + old.length;
  const steps: WorkloadStep[] = createSteps(deployment, hash, Math.min(replicas - current.length, replicas + maxSurge - total));
  if (current.length > replicas) steps.push(...pickVictims(current, current.length - replicas).map((p) => deleteStep(p, 'ScaleDown')));

  const minAvailable = replicas - maxUnavailable;
  const currentUnready = current.filter((p) => !p.ready).length;
  let budget = total - minAvailable - currentUnready;
  if (budget <= 0) return steps;
  const unready = pickVictims(
    old.filter((p) => !p.ready),
    budget,
  );
  steps.push(...unready.map((p) => deleteStep(p, 'Replaced')));
  budget -= unready.length;
  const readyCount = pods.filter((p) => p.ready).length;
  const readyOld = old.filter((p) => p.ready);
  const scaleDown = Math.min(budget, readyCount - minAvailable, readyOld.length);
  steps.push(...pickVictims(readyOld, scaleDown).map((p) => deleteStep(p, 'Replaced')));
  return steps;
}
