import { type OnNodeLost, templateSpec } from '../../../protocol/src/index.js';
import type { NodeCronJob } from '../pods/index.js';
import type { Decision, PlacedPod, SchedulerConfig, Snapshot } from '../scheduler/types.js';
import { type NodeReadiness, isLostFor } from '../workloads/node-loss.js';
import { type LabelledNode, nodeMatchesTemplate } from '../workloads/node-match.js';
import { type ScheduleFn, toPlacedPod, toPodToSchedule } from '../workloads/snapshot.js';
import type { CronJobRecord } from './cronjob-record.js';

/** When a `OneNode` job leaves its node: the Deployments' default `onNodeLost` (reschedule after 30 s not Ready). */
export const ONE_NODE_LOST: OnNodeLost = { policy: 'reschedule', lostAfterSeconds: 30 };

/** A node as CronJob placement reads it: labels and taints (template matching) and readiness (node loss). */
export type CronJobNode = LabelledNode & NodeReadiness;

/** Why the scheduler was asked for a `OneNode` job's node. */
export type PlacementReason =
  /** Not placed yet (new, or no node fitted before). */
  | 'Unplaced'
  /** Its node is no longer registered. */
  | 'NodeGone'
  /** Its node no longer matches the template's nodeSelector, required node affinity or tolerations. */
  | 'NodeNotEligible'
  /** Its node has not been Ready for ONE_NODE_LOST.lostAfterSeconds. */
  | 'NodeLost';

export interface OneNodePlan {
  /** Where the job is to run; undefined: nowhere, no node fits. */
  node: string | undefined;
  /** Why the scheduler was asked; absent when the job stays where it is. */
  reason?: PlacementReason;
  /** The scheduler's decision (every node's verdict), when it was asked. */
  decision?: Decision;
}

/** The scheduler's name for a job, and the name its placement has in a snapshot. */
const candidateName = (job: CronJobRecord) => `cronjob/${job.name}`;

/** A job as the scheduler places it: a pod of its template (requests, placement fields, labels). */
function asPod(job: CronJobRecord) {
  return { name: candidateName(job), labels: job.spec.template.metadata.labels, spec: templateSpec(job.spec.template) };
}

/**
 * The nodes an `EveryNode` job runs on, by name, sorted: every registered node that matches the
 * template's nodeSelector, required node affinity and taints, as for a DaemonSet (readiness,
 * cordons and resources do not count; a node that is down still runs its jobs offline).
 */
export function everyNodePlacement(job: CronJobRecord, nodes: readonly LabelledNode[]): string[] {
  return nodes
    .filter((n) => nodeMatchesTemplate(n, job.spec.template))
    .map((n) => n.name)
    .sort();
}

/**
 * Where a `OneNode` job runs, pure. It stays on its node while that node is registered,
 * matches the template and is not lost (not Ready for ONE_NODE_LOST.lostAfterSeconds, as a
 * Deployment's `reschedule`); otherwise the scheduler chooses over `snapshot` with the
 * template's requests and placement. When no node fits, a job whose node is only lost stays
 * there (the device may still run it offline); one whose node is gone or ineligible runs nowhere.
 */
export function planOneNode(job: CronJobRecord, context: { nodes: ReadonlyMap<string, CronJobNode>; snapshot: Snapshot; schedule: ScheduleFn; config: SchedulerConfig; now: number }): OneNodePlan {
  const current = job.placement?.node;
  const node = current === undefined ? undefined : context.nodes.get(current);
  let reason: PlacementReason;
  if (current === undefined) reason = 'Unplaced';
  else if (node === undefined) reason = 'NodeGone';
  else if (!nodeMatchesTemplate(node, job.spec.template)) reason = 'NodeNotEligible';
  else if (isLostFor(node, { policy: ONE_NODE_LOST, now: context.now })) reason = 'NodeLost';
  else return { node: current };
  const decision = context.schedule(toPodToSchedule(asPod(job)), context.snapshot, context.config);
  if (decision.node !== undefined) return { node: decision.node, reason, decision };
  return { node: reason === 'NodeLost' ? current : undefined, reason, decision };
}

/**
 * Plans every `OneNode` job (oldest first) over one snapshot: the jobs' current placements
 * count in it like bound pods (so jobs spread by the resource scorer and honour each other's
 * anti-affinity), and each job's new place joins it before the next is planned. By job uid.
 */
export function planOneNodeJobs(
  jobs: readonly CronJobRecord[],
  context: { nodes: ReadonlyMap<string, CronJobNode>; snapshot: Snapshot; schedule: ScheduleFn; config: SchedulerConfig; now: number },
): Map<string, OneNodePlan> {
  const ordered = jobs.filter((j) => j.spec.placement.mode === 'OneNode').sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const placed = new Map<string, PlacedPod>();
  for (const job of ordered) if (job.placement !== undefined) placed.set(job.uid, toPlacedPod(asPod(job), job.placement.node));
  const plans = new Map<string, OneNodePlan>();
  for (const job of ordered) {
    placed.delete(job.uid);
    const snapshot: Snapshot = { nodes: context.snapshot.nodes, pods: [...context.snapshot.pods, ...placed.values()] };
    const plan = planOneNode(job, { ...context, snapshot });
    plans.set(job.uid, plan);
    if (plan.node !== undefined) placed.set(job.uid, toPlacedPod(asPod(job), plan.node));
  }
  return plans;
}

/** The nodes each job runs on (`nodesOf`), turned around: each node's jobs, sorted by name. Pure. */
export function nodeAssignments(jobs: readonly CronJobRecord[], nodesOf: (job: CronJobRecord) => readonly string[]): Map<string, NodeCronJob[]> {
  const byNode = new Map<string, NodeCronJob[]>();
  for (const job of jobs) {
    for (const node of nodesOf(job)) byNode.set(node, [...(byNode.get(node) ?? []), { uid: job.uid, name: job.name, spec: job.spec }]);
  }
  for (const list of byNode.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return byNode;
}
