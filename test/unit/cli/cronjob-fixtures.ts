import { ApiCronJob, type ApiRun } from '../../../cli/src/cronjob-object.js';
import { NOW } from './fixtures.js';

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A CronJob as the hub serves it (spec in manifest form), before the CLI parses it. */
export function makeCronJobJson(options: { name?: string; mode?: 'EveryNode' | 'OneNode'; nodes?: string[]; suspend?: boolean; timeZone?: string; placed?: string; lastRun?: boolean } = {}): Record<string, unknown> {
  const name = options.name ?? 'backup';
  const nodes = options.nodes ?? ['pi-1', 'pi-2'];
  const next = options.suspend ? null : iso(NOW + 5 * MIN);
  const lastRun = { node: nodes[0] ?? 'pi-1', run: `${name}-1717243080`, status: 'Succeeded', scheduledAt: iso(NOW - 2 * MIN), startedAt: iso(NOW - 2 * MIN + 1000), finishedAt: iso(NOW - 2 * MIN + 4000), exitCode: 0 };
  return {
    apiVersion: 'corral/v1',
    kind: 'CronJob',
    metadata: { name, uid: `uid-${name}`, labels: {}, generation: 2, creationTimestamp: iso(NOW - 3 * 86_400_000) },
    spec: {
      schedule: '*/5 * * * *',
      ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
      concurrencyPolicy: 'Forbid',
      successfulRunsHistoryLimit: 3,
      failedRunsHistoryLimit: 1,
      suspend: options.suspend ?? false,
      placement: { mode: options.mode ?? 'EveryNode' },
      template: { metadata: { labels: { app: name } }, restartPolicy: 'OnFailure', containers: [{ name: 'job', image: 'busybox:1.36', command: ['sh', '-c', 'date'], resources: { requests: { cpu: '50m', memory: '8Mi' } } }] },
    },
    status: {
      nodes: nodes.map((n) => ({ name: n, nextRunAt: next, ...(options.lastRun === false ? {} : { lastRun: { ...lastRun, node: n } }) })),
      ...(options.placed === undefined ? {} : { placement: { node: options.placed, since: iso(NOW - 86_400_000) } }),
      ...(options.lastRun === false ? {} : { lastRun }),
      ...(options.mode === 'OneNode' && options.placed === undefined ? { message: 'no node fits; the job is placed as soon as one does', unschedulable: ['pod cronjob/x: no node fits', 'pi-1: rejected: NodeSelector site=lab (has home)'] } : {}),
    },
  };
}

export function makeCronJob(options: Parameters<typeof makeCronJobJson>[0] = {}): ApiCronJob {
  return ApiCronJob.parse(makeCronJobJson(options));
}

/** A run as `GET …/runs` serves it (times in ms). */
export function makeRun(minutesAgo: number, options: Partial<ApiRun> = {}): ApiRun {
  const scheduledAt = NOW - minutesAgo * MIN;
  const status = options.status ?? 'Succeeded';
  return {
    job: 'backup',
    jobUid: 'uid-backup',
    run: `backup-${scheduledAt / 1000}`,
    node: 'pi-1',
    scheduledAt,
    ...(status === 'Missed' ? {} : { startedAt: scheduledAt + 2000, finishedAt: scheduledAt + 2000 + 75_000, exitCode: status === 'Succeeded' ? 0 : 3 }),
    status,
    ...options,
  };
}
