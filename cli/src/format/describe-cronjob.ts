import type { ApiCronJob, ApiRun } from '../cronjob-object.js';
import type { WorkloadEventList } from '../workload-object.js';
import { age, humanDuration } from './age.js';
import { runDuration, timeZoneOf } from './cronjobs.js';
import { eventsBlock, labelLines, templateBlock } from './describe-workload.js';
import { type Field, formatFields } from './fields.js';
import { formatTable } from './table.js';

/**
 * `corral describe cronjob NAME`: the job's spec, where it runs (the node a `OneNode` job
 * was placed on, or why none), each node's next and last run, the last runs its history
 * limits keep, the pod template of a run, and what the hub's controller did lately.
 */

const INDENT = '  ';
const iso = (ms: number) => new Date(ms).toISOString();
const orUnset = (n: number | undefined) => (n === undefined ? '<unset>' : `${n}s`);

function placementFields(job: ApiCronJob): Field[] {
  if (job.spec.placement.mode === 'EveryNode') return [['Placement', 'EveryNode (every node matching the template)']];
  const placed = job.status.placement;
  if (placed !== undefined) return [['Placement', 'OneNode'], ['Node', `${placed.node} (since ${placed.since})`]];
  const fields: Field[] = [['Placement', 'OneNode'], ['Node', `<none>: ${job.status.message ?? 'not placed yet'}`]];
  if (job.status.unschedulable?.length) fields.push(['Scheduler', job.status.unschedulable]);
  return fields;
}

/** `2024-06-01T12:05:00.000Z (in 5m)`; `<suspended>` while suspended. */
function nextRunCell(nextRunAt: string | null, now: number): string {
  if (nextRunAt === null) return '<suspended>';
  return `${nextRunAt} (in ${humanDuration(Date.parse(nextRunAt) - now)})`;
}

function nodesBlock(job: ApiCronJob, now: number): string {
  if (job.status.nodes.length === 0) return `Nodes:\n${INDENT}<none>\n`;
  const rows = job.status.nodes.map((n) => [n.name, nextRunCell(n.nextRunAt, now), n.lastRun === undefined ? '<none>' : `${n.lastRun.run} ${n.lastRun.status} (${age(n.lastRun.scheduledAt, now)} ago)`]);
  return 'Nodes:\n' + formatTable(['NODE', 'NEXT-RUN', 'LAST-RUN'], rows, INDENT);
}

function runsBlock(runs: readonly ApiRun[]): string {
  if (runs.length === 0) return `Last Runs:\n${INDENT}<none>\n`;
  const rows = runs.map((r) => [r.run, r.node, r.status, iso(r.scheduledAt), runDuration(r), r.exitCode === undefined ? '<none>' : String(r.exitCode), r.reason ?? '<none>']);
  return 'Last Runs:\n' + formatTable(['RUN', 'NODE', 'STATUS', 'SCHEDULED', 'DURATION', 'EXIT', 'REASON'], rows, INDENT);
}

/** The full `describe cronjob` text, ending in "\n". `runs` are the job's kept runs, newest first. */
export function describeCronJob(job: ApiCronJob, context: { runs: readonly ApiRun[]; events: WorkloadEventList; now: number }): string {
  const { metadata, spec } = job;
  const top: Field[] = [
    ['Name', metadata.name],
    ['UID', metadata.uid],
    ['Labels', labelLines(metadata.labels)],
    ['CreationTimestamp', `${metadata.creationTimestamp} (${age(metadata.creationTimestamp, context.now)} ago)`],
    ['Generation', String(metadata.generation)],
    ['Schedule', spec.schedule],
    ['Time Zone', timeZoneOf(job)],
    ['Concurrency Policy', spec.concurrencyPolicy],
    ['Suspend', spec.suspend ? 'True' : 'False'],
    ['Starting Deadline', orUnset(spec.startingDeadlineSeconds)],
    ['Active Deadline', orUnset(spec.activeDeadlineSeconds)],
    ['Successful Runs History Limit', String(spec.successfulRunsHistoryLimit)],
    ['Failed Runs History Limit', String(spec.failedRunsHistoryLimit)],
    ...placementFields(job),
    ['Restart Policy', spec.template.restartPolicy],
  ];
  return formatFields(top) + nodesBlock(job, context.now) + runsBlock(context.runs) + templateBlock(spec.template) + eventsBlock(context.events, context.now);
}
