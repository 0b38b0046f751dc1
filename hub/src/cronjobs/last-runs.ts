import type { AgentEvent } from '../../../protocol/src/index.js';
import type { RunItem } from './run-history.js';

/** The last run of a job on a node, without its log. */
export type RunSummary = Omit<RunItem, 'logTail'>;

const isNewer = (a: RunSummary, b: RunSummary) => a.scheduledAt > b.scheduledAt || (a.scheduledAt === b.scheduledAt && (a.finishedAt ?? 0) >= (b.finishedAt ?? 0));

/**
 * The newest run of every job on every node, in memory, fed with the `CronRun` events the
 * event log stores (and with its stored ones at hub start), so listing jobs with their last
 * run reads no events. Keyed by job name, like the runs API.
 */
export class LastRuns {
  private readonly byJob = new Map<string, Map<string, RunSummary>>();

  /** Takes the `CronRun` events of `events` (those of `node`). */
  record(node: string, events: ReadonlyArray<Pick<AgentEvent, 'type' | 'run'>>): void {
    for (const event of events) {
      if (event.type !== 'CronRun' || event.run === undefined) continue;
      const { logTail: _log, ...run } = event.run;
      const summary: RunSummary = { ...run, node };
      const perNode = this.byJob.get(run.job) ?? new Map<string, RunSummary>();
      const previous = perNode.get(node);
      if (previous === undefined || isNewer(summary, previous)) perNode.set(node, summary);
      this.byJob.set(run.job, perNode);
    }
  }

  /** The job's last run on each node that ran it. */
  of(job: string): Map<string, RunSummary> {
    return new Map(this.byJob.get(job) ?? []);
  }

  /** The job's newest run on any node. */
  latest(job: string): RunSummary | undefined {
    let newest: RunSummary | undefined;
    for (const run of this.byJob.get(job)?.values() ?? []) if (newest === undefined || isNewer(run, newest)) newest = run;
    return newest;
  }
}
