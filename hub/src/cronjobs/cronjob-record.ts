import type { CronJobSpec } from '../../../protocol/src/index.js';
import { type ApplyAction, sameJson } from '../workloads/workload-record.js';

/** Where a `OneNode` job runs: the node the scheduler chose, and since when (hub clock, ms). */
export interface CronJobPlacement {
  node: string;
  since: number;
}

/** What the hub stores for a CronJob (sublevel `cronjobs`, keyed by name); the spec is parsed. */
export interface CronJobRecord {
  kind: 'CronJob';
  uid: string;
  name: string;
  labels: Record<string, string>;
  /** 1 at creation, bumped whenever the spec changes. */
  generation: number;
  /** Hub clock, ms. */
  createdAt: number;
  spec: CronJobSpec;
  /**
   * `OneNode` only: the node the job was placed on, kept across hub restarts so the job
   * stays where it is until that node is lost, gone or no longer matches the template.
   */
  placement?: CronJobPlacement;
}

/** A CronJob as a validated manifest gives it. */
export interface WantedCronJob {
  name: string;
  labels: Record<string, string>;
  spec: CronJobSpec;
}

/**
 * Create-or-update by name, pure, with the workloads' rules: a new job is created at
 * generation 1; the same spec and labels change nothing; a different spec bumps
 * `generation`; labels alone update the record at the same generation. A `OneNode`
 * placement survives updates (the controller moves it only when it must).
 */
export function applyCronJob(wanted: WantedCronJob, options: { prev: CronJobRecord | undefined; now: number; newUid: () => string }): { action: ApplyAction; record: CronJobRecord } {
  const { prev } = options;
  if (prev === undefined) {
    return { action: 'created', record: { kind: 'CronJob', uid: options.newUid(), name: wanted.name, labels: wanted.labels, generation: 1, createdAt: options.now, spec: wanted.spec } };
  }
  const sameSpec = sameJson(prev.spec, wanted.spec);
  if (sameSpec && sameJson(prev.labels, wanted.labels)) return { action: 'unchanged', record: prev };
  return { action: 'configured', record: { ...prev, labels: wanted.labels, spec: wanted.spec, generation: sameSpec ? prev.generation : prev.generation + 1 } };
}
