import type { RunRecord } from '../../../protocol/src/index.js';

/** A run the agent has started and not yet recorded as ended. */
export interface ActiveRun {
  /** The run's pod name and uid. */
  run: string;
  uid: string;
  scheduledAt: number;
  startedAt: number;
  manual?: boolean;
}

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

/** What a tick does given the runs still going: start one more, skip this tick, or replace them. */
export function onTick(policy: ConcurrencyPolicy, active: readonly ActiveRun[]): 'start' | 'skip' | 'replace' {
  if (active.length === 0 || policy === 'Allow') return 'start';
  return policy === 'Forbid' ? 'skip' : 'replace';
}

/** Runs that have been going for longer than `activeDeadlineSeconds` at `now`. */
export function overdue(active: readonly ActiveRun[], activeDeadlineSeconds: number | undefined, now: number): ActiveRun[] {
  if (activeDeadlineSeconds === undefined) return [];
  return active.filter((r) => now - r.startedAt >= activeDeadlineSeconds * 1000);
}

/** When the next of `active` runs out of time, if any. */
export function nextDeadline(active: readonly ActiveRun[], activeDeadlineSeconds: number | undefined): number | undefined {
  if (activeDeadlineSeconds === undefined || active.length === 0) return undefined;
  return Math.min(...active.map((r) => r.startedAt + activeDeadlineSeconds * 1000));
}

/** The history kept: the newest `succeeded` successful records and the newest `failed` others, newest first. */
export function pruneHistory(history: readonly RunRecord[], limits: { succeeded: number; failed: number }): RunRecord[] {
  const newestFirst = [...history].sort((a, b) => b.scheduledAt - a.scheduledAt || (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
  let ok = 0;
  let bad = 0;
  return newestFirst.filter((r) => (r.status === 'Succeeded' ? ++ok <= limits.succeeded : ++bad <= limits.failed));
}

/** A run's pod name: the job and the scheduled second (`backup-1764068400`), `-m…` for a manual run. */
export function runName(job: string, scheduledAt: number, manual = false): string {
  return `${job}-${manual ? 'm' : ''}${Math.floor(scheduledAt / 1000)}`;
}
