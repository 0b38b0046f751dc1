import cron from 'node-cron';
import type { CronJobSpec } from '../../../protocol/src/index.js';

/**
 * The next time a job's schedule fires, computed on the hub with node-cron (the library the
 * agent runs it with), in the job's `timeZone` — the hub's own zone when it has none, while
 * the agent uses the node's; null when the job is suspended. node-cron reads the real clock
 * (tests mock `Date`). A task made by `createTask` is not started, so it is asked for its
 * next runs (`getNextRun` answers null for a stopped task) and destroyed at once.
 */
export function nextRunAt(spec: Pick<CronJobSpec, 'schedule' | 'timeZone' | 'suspend'>): Date | null {
  if (spec.suspend) return null;
  const task = cron.createTask(spec.schedule, () => {}, spec.timeZone === undefined ? {} : { timezone: spec.timeZone });
  try {
    return task.getNextRuns(1)[0] ?? null;
  } finally {
    void task.destroy();
  }
}
