import cron from 'node-cron';
import { z } from 'zod';
import { Labels } from '../labels.js';
import { API_VERSION } from './node.js';
import { PodTemplate } from './pod.js';

/** Whether `name` is an IANA time zone this runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A cron expression of 5 fields (minute first) or 6 (seconds first), as node-cron reads it. */
export const CronSchedule = z.string().superRefine((expression, ctx) => {
  const result = cron.validateDetailed(expression);
  if (result.valid) return;
  const first = result.errors[0];
  const where = first && first.field !== 'expression' ? `${first.field}: ` : '';
  ctx.addIssue({ code: 'custom', message: `${JSON.stringify(expression)} is not a cron schedule (${where}${first?.message ?? 'invalid'}); use 5 fields (minute hour day month weekday) or 6 (seconds first)` });
});

/** A run's pod template: a CronJob's runs end, so `restartPolicy` is `Never` (the default here) or `OnFailure`. */
const RunTemplate = z.preprocess(
  (value) => (value && typeof value === 'object' && !Array.isArray(value) && !('restartPolicy' in value) ? { ...value, restartPolicy: 'Never' } : value),
  PodTemplate.refine((t) => t.restartPolicy !== 'Always', { message: 'must be Never or OnFailure: a run ends', path: ['restartPolicy'] }),
);

export const CronJobSpec = z.strictObject({
  schedule: CronSchedule,
  /** IANA name; the node's local time zone when absent. */
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC').optional(),
  concurrencyPolicy: z.enum(['Allow', 'Forbid', 'Replace']).default('Allow'),
  /** A run missed (agent down, device off) is still started if its time passed at most this long ago. */
  startingDeadlineSeconds: z.number().int().positive().optional(),
  /** A run still going after this long is killed and recorded `DeadlineExceeded`. */
  activeDeadlineSeconds: z.number().int().positive().optional(),
  successfulRunsHistoryLimit: z.number().int().min(0).max(100).default(3),
  failedRunsHistoryLimit: z.number().int().min(0).max(100).default(1),
  suspend: z.boolean().default(false),
  /** `EveryNode`: runs on every node the template's placement matches; `OneNode`: one node, chosen by the scheduler. */
  placement: z.strictObject({ mode: z.enum(['EveryNode', 'OneNode']).default('EveryNode') }).default({ mode: 'EveryNode' }),
  template: RunTemplate,
});
export type CronJobSpec = z.output<typeof CronJobSpec>;
export type CronJobSpecInput = z.input<typeof CronJobSpec>;

export const CronJobObject = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('CronJob'),
  metadata: z.object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/, 'must be a DNS label of at most 52 characters (run names add a suffix)'),
    labels: Labels.default({}),
    uid: z.string().optional(),
    generation: z.number().int().nonnegative().optional(),
  }),
  spec: CronJobSpec,
});
export type CronJobObject = z.output<typeof CronJobObject>;

/** What a run record says of how it ended. */
export const RunStatus = z.enum(['Succeeded', 'Failed', 'Missed', 'DeadlineExceeded']);
export type RunStatus = z.infer<typeof RunStatus>;
