import { z } from 'zod';
import { API_VERSION, CronJobObject, RunRecord, RunStatus, toWireCronJobSpec } from '../../protocol/src/index.js';

/** A run in a job's status: its record with times as ISO strings. */
const RunSummary = z.object({
  node: z.string(),
  run: z.string(),
  status: RunStatus,
  scheduledAt: z.iso.datetime(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
  exitCode: z.number().int().optional(),
  reason: z.string().optional(),
  manual: z.boolean().optional(),
});
export type RunSummary = z.output<typeof RunSummary>;

/** A CronJob as the hub serves it: the manifest (quantities parsed) plus uid, generation, creation time and where and when it runs. */
export const ApiCronJob = CronJobObject.extend({
  metadata: CronJobObject.shape.metadata.extend({ uid: z.string(), generation: z.number().int().nonnegative(), creationTimestamp: z.iso.datetime() }),
  status: z.object({
    nodes: z.array(z.object({ name: z.string(), nextRunAt: z.iso.datetime().nullable(), lastRun: RunSummary.optional() })),
    placement: z.object({ node: z.string(), since: z.iso.datetime() }).optional(),
    lastRun: RunSummary.optional(),
    message: z.string().optional(),
    unschedulable: z.array(z.string()).optional(),
  }),
});
export type ApiCronJob = z.output<typeof ApiCronJob>;

export const ApiCronJobList = z.object({ apiVersion: z.literal(API_VERSION), kind: z.literal('List'), items: z.array(ApiCronJob) });
export type ApiCronJobList = z.output<typeof ApiCronJobList>;

/** One run as `GET /api/v1/cronjobs/{name}/runs` returns it: the agent's run record (times in ms) and its node. */
export const ApiRun = RunRecord.extend({ node: z.string() });
export type ApiRun = z.output<typeof ApiRun>;

export const ApiRunList = z.object({ kind: z.literal('RunList'), job: z.string(), items: z.array(ApiRun) });
export type ApiRunList = z.output<typeof ApiRunList>;

/** What `POST /api/v1/cronjobs/{name}/trigger` answers: each node's run, or why that node could not start one. */
export const TriggerResult = z.object({
  kind: z.literal('TriggerResult'),
  job: z.string(),
  results: z.array(
    z.union([
      z.object({ node: z.string(), run: z.string(), started: z.boolean(), reason: z.string().optional() }),
      z.object({ node: z.string(), error: z.object({ code: z.number(), reason: z.string(), message: z.string() }) }),
    ]),
  ),
});
export type TriggerResult = z.output<typeof TriggerResult>;

/** The job with its spec back in manifest form (`cpu: 250m`), as `-o json|yaml` print it. */
export function cronJobManifestForm(job: ApiCronJob): unknown {
  return { ...job, spec: toWireCronJobSpec(job.spec) };
}
