import { HOSTNAME_LABEL } from '../../../protocol/src/index.js';
import type { PodRecord } from '../pods/index.js';
import type { NodeRecord } from '../registry/node-record.js';
import { podRequests } from '../scheduler/requests.js';
import type { Decision, PlacedPod, PodToSchedule, SchedulerConfig, SchedulerNode, Snapshot } from '../scheduler/types.js';

/** The scheduler as the controllers call it: a pure function over a snapshot (hub/src/scheduler/schedule.ts). */
export type ScheduleFn = (pod: PodToSchedule, snapshot: Snapshot, config: SchedulerConfig) => Decision;

/** A node as the scheduler sees it: Ready or not, cordoned or not, its labels with `corral.io/hostname`. */
export function toSchedulerNode(record: NodeRecord): SchedulerNode {
  return {
    name: record.name,
    labels: { ...record.labels, [HOSTNAME_LABEL]: record.name },
    ready: record.phase === 'Ready',
    unschedulable: record.unschedulable,
    taints: [],
    allocatable: record.allocatable,
    architecture: record.info.architecture,
    ...(record.info.variant === undefined ? {} : { variant: record.info.variant }),
  };
}

export function toPlacedPod(pod: Pick<PodRecord, 'name' | 'labels' | 'spec'>, nodeName: string): PlacedPod {
  return { name: pod.name, nodeName, labels: pod.labels, requests: podRequests(pod.spec), ...(pod.spec.affinity === undefined ? {} : { affinity: pod.spec.affinity }) };
}

export function toPodToSchedule(pod: Pick<PodRecord, 'name' | 'labels' | 'spec'>): PodToSchedule {
  const { containers, nodeSelector, affinity, tolerations, topologySpreadConstraints } = pod.spec;
  return { name: pod.name, labels: pod.labels, spec: { containers, nodeSelector, affinity, tolerations, topologySpreadConstraints } };
}

/** The scheduler's immutable world: every registered node and every pod bound to one. */
export function buildSnapshot(nodes: readonly NodeRecord[], pods: readonly PodRecord[]): Snapshot {
  return {
    nodes: nodes.map(toSchedulerNode),
    pods: pods.flatMap((p) => (p.nodeName === undefined ? [] : [toPlacedPod(p, p.nodeName)])),
  };
}

export interface Placement {
  pod: string;
  uid: string;
  decision: Decision;
}

/**
 * Decisions for Pending pods, oldest first. Pure: each placed pod joins the snapshot
 * before the next is decided, so two pods of one pass see each other (anti-affinity,
 * resources). A pod no node fits gets a decision with `node` undefined and every
 * node's rejections — an expected outcome, kept for `explain`.
 */
export function placePending(pending: readonly PodRecord[], options: { snapshot: Snapshot; schedule: ScheduleFn; config: SchedulerConfig }): Placement[] {
  const ordered = [...pending].sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let world = options.snapshot;
  const placements: Placement[] = [];
  for (const pod of ordered) {
    const decision = options.schedule(toPodToSchedule(pod), world, options.config);
    placements.push({ pod: pod.name, uid: pod.uid, decision });
    if (decision.node !== undefined) world = { nodes: world.nodes, pods: [...world.pods, toPlacedPod(pod, decision.node)] };
  }
  return placements;
}
