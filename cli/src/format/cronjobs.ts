import type { ApiCronJob, ApiRun } from '../cronjob-object.js';
import { age, humanDuration } from './age.js';
import { formatTable } from './table.js';

/** Columns of `corral get cronjobs`; `-o wide` appends the wide ones. */
export const CRONJOB_COLUMNS = ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'PLACEMENT', 'NODES', 'LAST-RUN', 'AGE'] as const;
export const CRONJOB_WIDE_COLUMNS = ['NEXT-RUN', 'LAST-STATUS', 'IMAGES'] as const;
/** Columns of `corral get runs CRONJOB`; `-o wide` appends MANUAL and the last log line. */
export const RUN_COLUMNS = ['RUN', 'NODE', 'STATUS', 'SCHEDULED', 'STARTED', 'DURATION', 'EXIT', 'REASON'] as const;
export const RUN_WIDE_COLUMNS = ['MANUAL', 'LAST-LOG-LINE'] as const;

/** A job without `timeZone` runs in each node's local time. */
export function timeZoneOf(job: ApiCronJob): string {
  return job.spec.timeZone ?? '<node-local>';
}

/** `OneNode`: its node (`<none>` while no node fits); `EveryNode`: how many nodes run it. */
export function cronJobNodes(job: ApiCronJob): string {
  if (job.spec.placement.mode === 'OneNode') return job.status.placement?.node ?? job.status.nodes[0]?.name ?? '<none>';
  return String(job.status.nodes.length);
}

/** The soonest next run over its nodes, as `in 5m`; `<suspended>`, or `<none>` on no node. */
export function nextRun(job: ApiCronJob, now: number): string {
  if (job.spec.suspend) return '<suspended>';
  const times = job.status.nodes.flatMap((n) => (n.nextRunAt === null ? [] : [Date.parse(n.nextRunAt)]));
  if (times.length === 0) return '<none>';
  return `in ${humanDuration(Math.min(...times) - now)}`;
}

export function cronJobRow(job: ApiCronJob, now: number, wide = false): string[] {
  const last = job.status.lastRun;
  const row = [
    job.metadata.name,
    job.spec.schedule,
    timeZoneOf(job),
    job.spec.suspend ? 'True' : 'False',
    job.spec.placement.mode,
    cronJobNodes(job),
    last === undefined ? '<none>' : age(last.scheduledAt, now),
    age(job.metadata.creationTimestamp, now),
  ];
  if (wide) row.push(nextRun(job, now), last?.status ?? '<none>', job.spec.template.containers.map((c) => c.image).join(','));
  return row;
}

export function formatCronJobTable(jobs: readonly ApiCronJob[], now: number, wide = false): string {
  return formatTable(wide ? [...CRONJOB_COLUMNS, ...CRONJOB_WIDE_COLUMNS] : [...CRONJOB_COLUMNS], jobs.map((j) => cronJobRow(j, now, wide)));
}

/** How long a run took: finished − started; `<running>` without an end, `<none>` when it never started (Missed). */
export function runDuration(run: Pick<ApiRun, 'startedAt' | 'finishedAt'>): string {
  if (run.startedAt === undefined) return '<none>';
  if (run.finishedAt === undefined) return '<running>';
  return humanDuration(run.finishedAt - run.startedAt);
}

/** One `get runs` row: SCHEDULED and STARTED as ages (kubectl's way with times). */
export function runRow(run: ApiRun, now: number, wide = false): string[] {
  const row = [
    run.run,
    run.node,
    run.status,
    humanDuration(now - run.scheduledAt),
    run.startedAt === undefined ? '<none>' : humanDuration(now - run.startedAt),
    runDuration(run),
    run.exitCode === undefined ? '<none>' : String(run.exitCode),
    run.reason ?? '<none>',
  ];
  if (wide) row.push(run.manual ? 'True' : 'False', run.logTail?.at(-1)?.replace(/\s+/g, ' ').trim() || '<none>');
  return row;
}

export function formatRunTable(runs: readonly ApiRun[], now: number, wide = false): string {
  return formatTable(wide ? [...RUN_COLUMNS, ...RUN_WIDE_COLUMNS] : [...RUN_COLUMNS], runs.map((r) => runRow(r, now, wide)));
}
