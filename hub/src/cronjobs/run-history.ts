import type { AgentEvent, RunRecord } from '../../../protocol/src/index.js';

/** One run as the runs API serves it: the agent's run record and the node that ran it. */
export interface RunItem extends RunRecord {
  node: string;
}

/** What the history reads of a stored event. */
type RunEvent = Pick<AgentEvent, 'type' | 'run' | 'seq'> & { node: string };

export interface HistoryLimits {
  /** Succeeded runs kept per node, newest first. */
  successfulRunsHistoryLimit: number;
  /** Failed, DeadlineExceeded and Missed runs kept per node, newest first. */
  failedRunsHistoryLimit: number;
}

/** Newest first: by the time the schedule named, then by when it ended, then by event number. */
function newestFirst(a: { item: RunItem; seq: number }, b: { item: RunItem; seq: number }): number {
  const ended = (r: RunItem) => r.finishedAt ?? r.startedAt ?? 0;
  return b.item.scheduledAt - a.item.scheduledAt || ended(b.item) - ended(a.item) || b.seq - a.seq;
}

/**
 * A job's runs from its nodes' `CronRun` events, newest first, pure: per node the newest
 * `successfulRunsHistoryLimit` Succeeded runs and the newest `failedRunsHistoryLimit` of
 * the others (Failed, DeadlineExceeded, and Missed, which count with the failed), as the
 * Kubernetes history limits keep Jobs. A run reported twice (same node, name and time) counts once.
 */
export function runHistory(events: readonly RunEvent[], options: HistoryLimits & { job: string; limit?: number }): RunItem[] {
  const seen = new Set<string>();
  const runs: Array<{ item: RunItem; seq: number }> = [];
  for (const event of events) {
    if (event.type !== 'CronRun' || event.run === undefined || event.run.job !== options.job) continue;
    const id = `${event.node}\u0000${event.run.run}\u0000${event.run.scheduledAt}`;
    if (seen.has(id)) continue;
    seen.add(id);
    runs.push({ item: { ...event.run, node: event.node }, seq: event.seq });
  }
  runs.sort(newestFirst);
  const kept = new Map<string, { succeeded: number; failed: number }>();
  const out: RunItem[] = [];
  for (const { item } of runs) {
    const counts = kept.get(item.node) ?? { succeeded: 0, failed: 0 };
    kept.set(item.node, counts);
    if (item.status === 'Succeeded') {
      if (counts.succeeded >= options.successfulRunsHistoryLimit) continue;
      counts.succeeded++;
    } else {
      if (counts.failed >= options.failedRunsHistoryLimit) continue;
      counts.failed++;
    }
    out.push(item);
  }
  return options.limit === undefined ? out : out.slice(0, options.limit);
}
