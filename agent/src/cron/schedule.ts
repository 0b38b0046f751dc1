import cron from 'node-cron';

/** A compiled schedule: whether an instant (to the second) is one of its ticks, in the job's time zone. */
export interface Schedule {
  match(at: number): boolean;
  /** The tick spacing to scan with: 1 s for 6-field schedules, 1 min for 5-field ones. */
  stepMs: number;
  /** The next tick after now (for status and tests), or undefined when there is none. */
  next(): number | undefined;
  dispose(): void;
}

/** Compiles `expression` with node-cron in `timeZone` (the node's own when absent), without starting it. */
export function compileSchedule(expression: string, timeZone: string | undefined): Schedule {
  const task = cron.createTask(expression, () => undefined, timeZone ? { timezone: timeZone } : {});
  return {
    match: (at) => task.match(new Date(at)),
    stepMs: expression.trim().split(/\s+/).length === 6 ? 1000 : 60_000,
    next: () => task.getNextRun()?.getTime(),
    dispose: () => void task.destroy(),
  };
}

export interface DueInput {
  schedule: Pick<Schedule, 'match' | 'stepMs'>;
  /** The last tick the agent acted on (ran, skipped or recorded missed); undefined for a new job. */
  lastScheduledAt: number | undefined;
  now: number;
  startingDeadlineSeconds: number | undefined;
  /** How far back to look at most (default one day); older ticks are neither run nor recorded. */
  horizonMs?: number;
  /** How many missed ticks to report at most (the newest). */
  maxMissed?: number;
}

export interface Due {
  /** The newest tick that passed since `lastScheduledAt`, still inside the starting deadline: run it, once. */
  run: number | undefined;
  /** Older ticks (and a newest one past its deadline), newest first, at most `maxMissed`. */
  missed: number[];
  /** All ticks that passed, including those not listed. */
  passed: number;
  /** The tick to remember as the last one acted on. */
  lastScheduledAt: number;
}

/**
 * What to do about ticks that passed while nothing fired them (agent down, device off): the newest is run
 * once if it is at most `startingDeadlineSeconds` old (any age without a deadline), never one run per
 * missed tick; the others are reported missed. A new job has no past: nothing is due.
 */
export function dueTicks(input: DueInput): Due {
  const step = input.schedule.stepMs;
  const now = Math.floor(input.now / step) * step;
  if (input.lastScheduledAt === undefined) return { run: undefined, missed: [], passed: 0, lastScheduledAt: now };
  const horizon = input.horizonMs ?? 86_400_000;
  const from = Math.max(input.lastScheduledAt + step, now - horizon);
  const ticks: number[] = [];
  for (let at = now; at >= from; at -= step) if (input.schedule.match(at)) ticks.push(at);
  const last = Math.max(input.lastScheduledAt, now);
  if (ticks.length === 0) return { run: undefined, missed: [], passed: 0, lastScheduledAt: last };
  const newest = ticks[0] as number;
  const deadline = input.startingDeadlineSeconds;
  const inTime = deadline === undefined || input.now - newest <= deadline * 1000;
  const missed = (inTime ? ticks.slice(1) : ticks).slice(0, input.maxMissed ?? 5);
  return { run: inTime ? newest : undefined, missed, passed: ticks.length, lastScheduledAt: last };
}
