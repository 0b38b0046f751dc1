import type { WorkloadKind } from './workload-record.js';

/** A workload's pod as its controller sees it: what the pod store holds plus readiness from the node's report. */
export interface OwnedPod {
  name: string;
  uid: string;
  /** The `corral.io/template-hash` label: the template the pod was made from. */
  hash: string | undefined;
  /** Absent while Pending for the scheduler. */
  nodeName?: string;
  createdAt: number;
  /** Its node reports it Running with every container ready. */
  ready: boolean;
}

/** Why a controller deletes a pod. */
export type DeleteReason =
  /** More pods than replicas. */
  | 'ScaleDown'
  /** Made from an older template (rolling update or recreate). */
  | 'Replaced'
  /** Its node no longer matches the DaemonSet's placement, or is gone. */
  | 'NodeNotEligible'
  /** A second pod of a DaemonSet on one node. */
  | 'Duplicate'
  /** Its node is lost and its workload says `reschedule`. */
  | 'NodeLost'
  /** Its workload was deleted (or replaced under the same name). */
  | 'Orphaned'
  /** `corral drain`. */
  | 'Drained';

/** What a controller asks the writer to do; executors are typed over every kind (STYLE.md §2). */
export type WorkloadStep =
  | { type: 'createPod'; kind: WorkloadKind; workload: string; hash: string; nodeName?: string }
  | { type: 'deletePod'; pod: string; uid: string; reason: DeleteReason };

export type StepOf<T extends WorkloadStep['type']> = Extract<WorkloadStep, { type: T }>;
export type StepExecutors = { [T in WorkloadStep['type']]: (step: StepOf<T>) => Promise<void> };

export function deleteStep(pod: OwnedPod, reason: DeleteReason): StepOf<'deletePod'> {
  return { type: 'deletePod', pod: pod.name, uid: pod.uid, reason };
}

/**
 * Scale-down order, most expendable first (Kubernetes' ranking, simplified): a pod not
 * yet bound to a node, then one not ready, then the newest; the name breaks ties.
 */
export function byExpendability(a: OwnedPod, b: OwnedPod): number {
  const unbound = Number(a.nodeName !== undefined) - Number(b.nodeName !== undefined);
  if (unbound !== 0) return unbound;
  const ready = Number(a.ready) - Number(b.ready);
  if (ready !== 0) return ready;
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/** The `count` most expendable of `pods`. */
export function pickVictims(pods: readonly OwnedPod[], count: number): OwnedPod[] {
  return count <= 0 ? [] : [...pods].sort(byExpendability).slice(0, count);
}
