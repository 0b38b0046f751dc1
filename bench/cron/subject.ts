import cron, { type ScheduledTask } from 'node-cron';
import { FiringLog } from './firings.js';

/** The agent's LevelDB traffic, counted at the store (cumulative). */
export interface StoreCounters {
  /** Batches written with `sync: true` (an fsync each) and without. */
  syncBatches: number;
  otherBatches: number;
  /** Time spent awaiting those batches, ms. */
  batchMs: number;
  /** Outbox events appended (its next sequence number). */
  events: number;
  /** Outbox events not yet acknowledged. */
  pending: number;
  /** Outbox events discarded because it was full. */
  dropped: number;
  /** Ticks node-cron has fired that the runner has not started yet (waiting in its queue). */
  queuedTicks: number;
}

/** One way of running N every-second jobs: bare node-cron tasks, or the agent's CronRunner. */
export interface CronSubject {
  /** Each run as the path under test saw it start: its tick and when. */
  firings: FiringLog;
  /** When node-cron's timer called in for each tick, when that is not what `firings` records. */
  timerFirings?: FiringLog;
  /** Ticks node-cron gave up on (its `execution:missed`: the timer fired a whole tick late). */
  timerMissed: number[];
  counters?(): StoreCounters;
  /** Stops every timer and waits for work in flight; frees what it opened. */
  stop(): Promise<void>;
}

/**
 * Listens on node-cron's started tasks (those `cron.schedule` started; `cron.createTask`
 * ones stay `stopped`): `execution:missed` into `missed`, and each `execution:started`
 * (emitted when the timer calls in, before the task's function) into `started`.
 */
export function watchNodeCron(options: { missed: number[]; started?: FiringLog }): ScheduledTask[] {
  const watched: ScheduledTask[] = [];
  for (const task of cron.getTasks().values()) {
    if (task.getStatus() === 'stopped' || task.getStatus() === 'destroyed') continue;
    task.on('execution:missed', (ctx) => void options.missed.push(ctx.date.getTime()));
    const started = options.started;
    if (started) task.on('execution:started', (ctx) => started.record(ctx.date.getTime(), ctx.triggeredAt.getTime()));
    watched.push(task);
  }
  return watched;
}
