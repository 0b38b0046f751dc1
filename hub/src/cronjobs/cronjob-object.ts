import { API_VERSION, type CronJobSpecInput, toWireCronJobSpec } from '../../../protocol/src/index.js';
import type { CronJobRecord } from './cronjob-record.js';
import type { RunSummary } from './last-runs.js';

/** A run in a job's status: its record with times as ISO strings. */
export interface RunStatusSummary {
  node: string;
  run: string;
  status: RunSummary['status'];
  scheduledAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  manual?: boolean;
}

export interface CronJobNodeStatus {
  name: string;
  /** When the schedule fires next (ISO), computed by the hub; null while suspended. */
  nextRunAt: string | null;
  /** The newest run the node reported. */
  lastRun?: RunStatusSummary;
}

export interface CronJobApiStatus {
  /** The nodes whose desired state carries the job, with their next and last runs. */
  nodes: CronJobNodeStatus[];
  /** `OneNode`: the node the scheduler chose and since when; absent while it runs nowhere. */
  placement?: { node: string; since: string };
  /** The newest run on any node (one the job has since left included). */
  lastRun?: RunStatusSummary;
  /** `OneNode` on no node: why, in a sentence, and the scheduler's verdicts line by line. */
  message?: string;
  unschedulable?: string[];
}

/** The CronJob of DESIGN.md §2 as the HTTP API serves it: the spec in manifest form, so it can be applied again. */
export interface CronJobApiObject {
  apiVersion: typeof API_VERSION;
  kind: 'CronJob';
  metadata: { name: string; uid: string; labels: Record<string, string>; generation: number; creationTimestamp: string };
  spec: CronJobSpecInput;
  status: CronJobApiStatus;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function runSummary(run: RunSummary): RunStatusSummary {
  return {
    node: run.node,
    run: run.run,
    status: run.status,
    scheduledAt: iso(run.scheduledAt),
    ...(run.startedAt === undefined ? {} : { startedAt: iso(run.startedAt) }),
    ...(run.finishedAt === undefined ? {} : { finishedAt: iso(run.finishedAt) }),
    ...(run.exitCode === undefined ? {} : { exitCode: run.exitCode }),
    ...(run.reason === undefined ? {} : { reason: run.reason }),
    ...(run.manual === undefined ? {} : { manual: run.manual }),
  };
}

/**
 * The API CronJob, pure: `nodes` are where its desired state goes, `nextRun` the hub's
 * computation of the schedule (null when suspended), `lastRuns` each node's newest run,
 * `unschedulable` the scheduler's lines when a `OneNode` job fits nowhere.
 */
export function toCronJobObject(
  record: CronJobRecord,
  observed: { nodes: readonly string[]; nextRun: Date | null; lastRuns: ReadonlyMap<string, RunSummary>; latest?: RunSummary | undefined; unschedulable?: string[] | undefined },
): CronJobApiObject {
  const nextRunAt = observed.nextRun === null ? null : observed.nextRun.toISOString();
  const status: CronJobApiStatus = {
    nodes: observed.nodes.map((name) => {
      const last = observed.lastRuns.get(name);
      return { name, nextRunAt, ...(last === undefined ? {} : { lastRun: runSummary(last) }) };
    }),
  };
  if (record.placement !== undefined) status.placement = { node: record.placement.node, since: iso(record.placement.since) };
  if (observed.latest !== undefined) status.lastRun = runSummary(observed.latest);
  if (record.spec.placement.mode === 'OneNode' && record.placement === undefined) {
    status.message = observed.unschedulable === undefined ? 'not placed yet' : 'no node fits; the job is placed as soon as one does';
    if (observed.unschedulable !== undefined) status.unschedulable = observed.unschedulable;
  }
  return {
    apiVersion: API_VERSION,
    kind: 'CronJob',
    metadata: { name: record.name, uid: record.uid, labels: record.labels, generation: record.generation, creationTimestamp: iso(record.createdAt) },
    spec: toWireCronJobSpec(record.spec),
    status,
  };
}
