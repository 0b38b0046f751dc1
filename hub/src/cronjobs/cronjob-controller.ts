import type { Logger } from 'pino';
import { ControlLoop } from '../control-loop.js';
import type { PodStore } from '../pods/index.js';
import { explainDecision } from '../scheduler/explain.js';
import type { Decision, SchedulerConfig } from '../scheduler/types.js';
import { type NodeView, toLabelledNode } from '../workloads/owned-pods.js';
import { type ScheduleFn, buildSnapshot } from '../workloads/snapshot.js';
import type { CronJobRecord } from './cronjob-record.js';
import type { CronJobStore } from './cronjob-store.js';
import { type CronJobNode, type OneNodePlan, everyNodePlacement, nodeAssignments, planOneNodeJobs } from './placement.js';

export interface CronJobControllerOptions {
  cronJobs: CronJobStore;
  /** The single writer of the nodes' desired states. */
  pods: Pick<PodStore, 'list' | 'onChange' | 'setCronJobs' | 'cronJobNodes'>;
  nodes: Pick<NodeView, 'list'> & { onChange(listener: (name: string) => void): () => void };
  schedule: ScheduleFn;
  schedulerConfig: SchedulerConfig;
  now: () => number;
  log: Logger;
}

/** Something the controller did for a job, kept (in memory, the last few per job) for `describe`. */
export interface CronJobEvent {
  at: number;
  reason: string;
  message: string;
}

const MAX_EVENTS = 20;
/** The jobs of a node as compared between passes: a spec change always bumps the generation. */
const fingerprint = (jobs: readonly CronJobRecord[]) => jobs.map((j) => `${j.uid}@${j.generation}`).join(',');

/**
 * The CronJob controller's driver: places `OneNode` jobs with the scheduler (planOneNodeJobs,
 * the placement stored with the job), matches `EveryNode` jobs to nodes like a DaemonSet, and
 * hands each node's jobs to the pod store — the single writer, which bumps and publishes the
 * node's desired state when they changed. Runs on changes of jobs, pods and nodes and on a tick
 * (node-loss deadlines), one pass at a time, again while changes arrive during a pass.
 */
export class CronJobController extends ControlLoop {
  private readonly decisions = new Map<string, Decision>();
  private readonly events = new Map<string, CronJobEvent[]>();
  private readonly synced = new Map<string, string>();

  constructor(private readonly options: CronJobControllerOptions) {
    super({ sources: [options.cronJobs, options.pods, options.nodes], log: options.log, what: 'cron job' });
  }

  /** Why a `OneNode` job runs nowhere: the scheduler's last decision for it, while no node fits. */
  unplaced(job: CronJobRecord): Decision | undefined {
    return job.placement === undefined ? this.decisions.get(job.uid) : undefined;
  }

  jobEvents(name: string): CronJobEvent[] {
    return [...(this.events.get(name) ?? [])];
  }

  /** One pass: place `OneNode` jobs, then give every node its jobs. */
  async reconcileOnce(): Promise<void> {
    const { cronJobs, pods, nodes } = this.options;
    const nodeList = nodes.list();
    const cronNodes = new Map<string, CronJobNode>(nodeList.map((n) => [n.name, { ...toLabelledNode(n), phase: n.phase, since: n.ready.transitionAt }]));
    const before = cronJobs.list();
    const plans = planOneNodeJobs(before, { nodes: cronNodes, snapshot: buildSnapshot(nodeList, pods.list()), schedule: this.options.schedule, config: this.options.schedulerConfig, now: this.options.now() });
    for (const job of before) {
      const plan = plans.get(job.uid);
      if (plan !== undefined) await this.place(job, plan);
    }

    const jobs = cronJobs.list();
    const names = new Set(jobs.map((j) => j.name));
    for (const name of this.events.keys()) if (!names.has(name)) this.events.delete(name);
    const uids = new Set(jobs.map((j) => j.uid));
    for (const uid of this.decisions.keys()) if (!uids.has(uid)) this.decisions.delete(uid);

    const labelled = nodeList.map(toLabelledNode);
    const nodesOf = (job: CronJobRecord): string[] => (job.spec.placement.mode === 'EveryNode' ? everyNodePlacement(job, labelled) : job.placement ? [job.placement.node] : []);
    const jobsOf = new Map<string, CronJobRecord[]>();
    for (const job of jobs) for (const node of nodesOf(job)) jobsOf.set(node, [...(jobsOf.get(node) ?? []), job]);
    const assignments = nodeAssignments(jobs, nodesOf);
    const targets = new Set([...nodeList.map((n) => n.name), ...pods.cronJobNodes(), ...assignments.keys()]);
    for (const node of [...targets].sort()) {
      const mine = jobsOf.get(node) ?? [];
      const print = fingerprint(mine);
      if (this.synced.get(node) === print) continue;
      const result = await pods.setCronJobs(node, assignments.get(node) ?? []);
      if (result.ok) {
        this.synced.set(node, print);
        continue;
      }
      this.synced.delete(node);
      this.options.log.warn({ node, reason: result.error.reason }, result.error.message);
      for (const job of mine) this.record(job.name, 'FailedCommit', result.error.message);
    }
  }

  /** Stores a `OneNode` job's new place (or keeps the decision that found none) and says so. */
  private async place(job: CronJobRecord, plan: OneNodePlan): Promise<void> {
    const from = job.placement?.node;
    if (plan.decision !== undefined && plan.node === undefined) {
      const previous = this.decisions.get(job.uid);
      this.decisions.set(job.uid, plan.decision);
      if (previous === undefined || explainDecision(previous).join('\n') !== explainDecision(plan.decision).join('\n')) {
        this.options.log.info({ cronJob: job.name, nodes: plan.decision.verdicts.length }, 'cron job unschedulable');
        this.record(job.name, 'FailedScheduling', `no node fits (${plan.decision.verdicts.length} nodes rejected)${from === undefined ? '' : `; removed from node ${from} (${plan.reason})`}`);
      }
    } else {
      this.decisions.delete(job.uid);
    }
    if (plan.node === from) {
      if (plan.reason === 'NodeLost' && plan.decision !== undefined) this.record(job.name, 'NodeLost', `node ${from} is lost and no other node fits; the job stays there`);
      return;
    }
    if (!(await this.options.cronJobs.place(job.name, { uid: job.uid, node: plan.node }))) return;
    if (plan.node === undefined) return;
    this.options.log.info({ cronJob: job.name, node: plan.node, from, reason: plan.reason }, 'cron job placed');
    this.record(job.name, from === undefined ? 'Scheduled' : 'Moved', from === undefined ? `placed on node ${plan.node}` : `moved from node ${from} (${plan.reason}) to node ${plan.node}`);
  }

  /** Keeps an event for `describe`; a repeat of the last one only moves its time. */
  private record(name: string, reason: string, message: string): void {
    const list = this.events.get(name) ?? [];
    const last = list.at(-1);
    if (last && last.reason === reason && last.message === message) {
      last.at = this.options.now();
      return;
    }
    list.push({ at: this.options.now(), reason, message });
    if (list.length > MAX_EVENTS) list.splice(0, list.length - MAX_EVENTS);
    this.events.set(name, list);
  }
}
