import type { Logger } from 'pino';
import { ControlLoop } from '../control-loop.js';
import type { PodStore } from '../pods/index.js';
import type { Decision, SchedulerConfig } from '../scheduler/types.js';
import { planDaemonSet } from './daemonset-plan.js';
import { planDeployment } from './deployment-plan.js';
import { type DrainPlan, planDrain } from './drain.js';
import { type NodeReadiness, planNodeLoss } from './node-loss.js';
import { type NodeView, podsByOwner, toLabelledNode, toOwnedPod } from './owned-pods.js';
import { newOwnedPod, podName, templateHash } from './pod-naming.js';
import { type ScheduleFn, buildSnapshot, placePending } from './snapshot.js';
import type { StepExecutors, StepOf, WorkloadStep } from './steps.js';
import type { WorkloadRecord } from './workload-record.js';
import type { WorkloadStore } from './workload-store.js';

export interface WorkloadControllerOptions {
  workloads: WorkloadStore;
  pods: PodStore;
  nodes: NodeView & { onChange(listener: (name: string) => void): () => void; setUnschedulable(name: string, value: boolean): Promise<boolean> };
  schedule: ScheduleFn;
  schedulerConfig: SchedulerConfig;
  now: () => number;
  /** Source of generated pod names; Math.random unless a test pins it. */
  random?: () => number;
  log: Logger;
}

/** Something a controller did, kept (in memory, the last few per workload) for `describe`. */
export interface WorkloadEvent {
  at: number;
  reason: string;
  message: string;
}

const MAX_EVENTS = 20;
const key = (kind: string, name: string) => `${kind}/${name}`;
const sameDecision = (a: Decision | undefined, b: Decision) => a !== undefined && a.node === b.node && JSON.stringify(a.verdicts.map((v) => v.rejections)) === JSON.stringify(b.verdicts.map((v) => v.rejections));

/**
 * The Deployment, DaemonSet, node-loss and scheduling controllers' driver: pure plans
 * (planDeployment, planDaemonSet, planNodeLoss, placePending) over what the stores hold,
 * executed through the pod store — the single writer that bumps and publishes each changed
 * node's desired state. Runs whenever workloads, pods or nodes change and on a tick (for
 * node-loss deadlines), one pass at a time, again until a pass changes nothing.
 */
export class WorkloadController extends ControlLoop {
  private readonly decisions = new Map<string, { uid: string; decision: Decision }>();
  private readonly events = new Map<string, WorkloadEvent[]>();
  private readonly observed = new Map<string, number>();

  constructor(private readonly options: WorkloadControllerOptions) {
    super({ sources: [options.workloads, options.pods, options.nodes], log: options.log, what: 'workload' });
  }

  /** The last placement decision for a pod, while the pod (with that uid) exists. */
  decision(pod: string): Decision | undefined {
    const kept = this.decisions.get(pod);
    return kept && this.options.pods.get(pod)?.uid === kept.uid ? kept.decision : undefined;
  }

  /** The generation of the workload the controller last planned for. */
  observedGeneration(workload: WorkloadRecord): number | undefined {
    return this.observed.get(workload.uid);
  }

  workloadEvents(kind: string, name: string): WorkloadEvent[] {
    return [...(this.events.get(key(kind, name)) ?? [])];
  }

  /** `corral drain NODE`: cordon, then delete its Deployment pods so their controllers place replacements elsewhere. */
  async drain(node: string): Promise<DrainPlan | undefined> {
    if (!(await this.options.nodes.setUnschedulable(node, true))) return undefined;
    const plan = planDrain(this.options.pods.list({ node }), node);
    const executors = this.executors(new Map());
    for (const step of plan.evict) await executors.deletePod(step);
    return plan;
  }

  /** One pass: plan every controller over one view of the stores, execute, then place Pending pods. */
  async reconcileOnce(): Promise<void> {
    const { workloads, pods, nodes } = this.options;
    const now = this.options.now();
    const nodeList = nodes.list();
    const allPods = pods.list();
    const deployments = workloads.list('Deployment');
    const daemonSets = workloads.list('DaemonSet');
    const byUid = new Map<string, WorkloadRecord>([...deployments, ...daemonSets].map((w) => [w.uid, w]));
    const byName = new Map([...deployments, ...daemonSets].map((w) => [key(w.kind, w.name), w]));
    const owned = podsByOwner(allPods);
    // What is kept per workload goes with it.
    for (const name of this.events.keys()) if (!byName.has(name)) this.events.delete(name);
    for (const uid of this.observed.keys()) if (!byUid.has(uid)) this.observed.delete(uid);

    const steps: WorkloadStep[] = [];
    for (const pod of allPods) {
      if (pod.owner !== undefined && !byUid.has(pod.owner.uid)) steps.push({ type: 'deletePod', pod: pod.name, uid: pod.uid, reason: 'Orphaned' });
    }
    const readiness = new Map<string, NodeReadiness>(nodeList.map((n) => [n.name, { name: n.name, phase: n.phase, since: n.ready.transitionAt }]));
    const policies = new Map(deployments.map((d) => [d.uid, d.spec.onNodeLost]));
    const lost = planNodeLoss(allPods, { nodes: readiness, policies, now });
    steps.push(...lost);
    const leaving = new Set(lost.map((s) => s.pod));

    const ownedPods = (workload: WorkloadRecord) => (owned.get(workload.uid) ?? []).filter((p) => !leaving.has(p.name)).map((p) => toOwnedPod(p, nodes));
    for (const deployment of deployments) {
      steps.push(...planDeployment(deployment, { pods: ownedPods(deployment), hash: templateHash(deployment.spec.template) }));
      this.observed.set(deployment.uid, deployment.generation);
    }
    const labelled = nodeList.map(toLabelledNode);
    for (const daemonSet of daemonSets) {
      steps.push(...planDaemonSet(daemonSet, { nodes: labelled, pods: ownedPods(daemonSet), hash: templateHash(daemonSet.spec.template) }));
      this.observed.set(daemonSet.uid, daemonSet.generation);
    }

    // Deletes first: a rolling step or a lost node frees room before replacements are placed.
    const executors = this.executors(byName);
    for (const step of steps) if (step.type === 'deletePod') await executors.deletePod(step);
    for (const step of steps) if (step.type === 'createPod') await executors.createPod(step);

    await this.placePending();
    for (const name of this.decisions.keys()) if (!pods.get(name)) this.decisions.delete(name);
  }

  /** How each step is done, through the pod store; `workloads` (by `Kind/name`) are the pass's. */
  private executors(workloads: ReadonlyMap<string, WorkloadRecord>): StepExecutors {
    return {
      createPod: (step) => this.createPod(step, workloads.get(key(step.kind, step.workload))),
      deletePod: (step) => this.deletePod(step),
    };
  }

  private async createPod(step: StepOf<'createPod'>, workload: WorkloadRecord | undefined): Promise<void> {
    if (!workload) return;
    const name = podName(workload.name, { taken: (n) => this.options.pods.get(n) !== undefined, random: this.options.random ?? Math.random });
    if (name === undefined) return;
    const created = await this.options.pods.create(newOwnedPod(workload, { name, hash: step.hash, ...(step.nodeName === undefined ? {} : { nodeName: step.nodeName }) }));
    if (!created.ok) {
      this.options.log.warn({ workload: key(step.kind, step.workload), reason: created.error.reason }, created.error.message);
      this.record(step.kind, step.workload, 'FailedCreate', created.error.message);
      return;
    }
    this.record(step.kind, step.workload, 'SuccessfulCreate', `created pod ${name}${step.nodeName === undefined ? '' : ` on node ${step.nodeName}`}`);
  }

  private async deletePod(step: StepOf<'deletePod'>): Promise<void> {
    const deleted = await this.options.pods.delete(step.pod, { uid: step.uid });
    if (!deleted) return;
    this.options.log.info({ pod: step.pod, node: deleted.nodeName, reason: step.reason }, 'pod deleted by its controller');
    if (deleted.owner) this.record(deleted.owner.kind, deleted.owner.name, step.reason, `deleted pod ${step.pod}${deleted.nodeName === undefined ? '' : ` from node ${deleted.nodeName}`}`);
  }

  private async placePending(): Promise<void> {
    const { pods, nodes } = this.options;
    const all = pods.list();
    const pending = all.filter((p) => p.nodeName === undefined);
    if (pending.length === 0) return;
    const placements = placePending(pending, { snapshot: buildSnapshot(nodes.list(), all), schedule: this.options.schedule, config: this.options.schedulerConfig });
    for (const { pod, uid, decision } of placements) {
      const previous = this.decisions.get(pod);
      this.decisions.set(pod, { uid, decision });
      const owner = pods.get(pod)?.owner;
      if (decision.node === undefined) {
        if (previous?.uid !== uid || !sameDecision(previous.decision, decision)) {
          const message = `pod ${pod}: no node fits (${decision.verdicts.length} nodes rejected)`;
          this.options.log.info({ pod, nodes: decision.verdicts.length }, 'pod unschedulable');
          if (owner) this.record(owner.kind, owner.name, 'FailedScheduling', message);
        }
        continue;
      }
      const bound = await pods.bind(pod, decision.node, { uid });
      if (!bound.ok) {
        this.options.log.warn({ pod, node: decision.node, reason: bound.error.reason }, bound.error.message);
        continue;
      }
      if (owner) this.record(owner.kind, owner.name, 'Scheduled', `pod ${pod} bound to node ${decision.node}`);
    }
  }

  /** Keeps an event for `describe`; a repeat of the last one (a create failing on every pass) only moves its time. */
  private record(kind: string, name: string, reason: string, message: string): void {
    const list = this.events.get(key(kind, name)) ?? [];
    const last = list.at(-1);
    if (last && last.reason === reason && last.message === message) {
      last.at = this.options.now();
      return;
    }
    list.push({ at: this.options.now(), reason, message });
    if (list.length > MAX_EVENTS) list.splice(0, list.length - MAX_EVENTS);
    this.events.set(key(kind, name), list);
  }
}
