import {
  type CronJobSpec,
  type DesiredMessageInput,
  MAX_DESIRED_BODY_BYTES,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type Result,
  encodeDesiredBody,
  err,
  ok,
  toWireCronJobSpec,
  toWirePodSpec,
} from '../../../protocol/src/index.js';
import type { PodRecord } from './pod-record.js';

/** Most pods one desired message may carry (DesiredMessage's `pods` limit). */
export const MAX_PODS_PER_NODE = 512;
/** Most CronJobs one desired message may carry (DesiredMessage's `cronJobs` limit). */
export const MAX_CRONJOBS_PER_NODE = 256;

/** A CronJob in a node's desired state: the agent runs it on its own schedule (spec parsed, as stored). */
export interface NodeCronJob {
  uid: string;
  name: string;
  spec: CronJobSpec;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * A node's whole desired state: every pod bound to `node` and the CronJobs placed on it,
 * each sorted by name, specs in manifest form so the agent's decode gives back the same spec.
 * Pure: the same pods, jobs, generation and clock give the same message.
 */
export function desiredState(node: string, pods: Iterable<PodRecord>, options: { generation: number; now: number; cronJobs?: readonly NodeCronJob[] }): DesiredMessageInput {
  const mine = [...pods].filter((p) => p.nodeName === node).sort(byName);
  return {
    v: PROTOCOL_VERSION,
    node,
    ts: options.now,
    generation: options.generation,
    pods: mine.map((p) => ({ uid: p.uid, name: p.name, labels: p.labels, spec: toWirePodSpec(p.spec) })),
    cronJobs: [...(options.cronJobs ?? [])].sort(byName).map((j) => ({ uid: j.uid, name: j.name, spec: toWireCronJobSpec(j.spec) })),
  };
}

export type DesiredRejection = { reason: 'TooManyPods' | 'TooManyCronJobs' | 'TooLarge' | 'Invalid'; message: string };

/**
 * The CBOR body of a desired message (the publisher signs it and puts it in its envelope),
 * or why the agent could not accept it: more pods or cron jobs than the message may carry,
 * more bytes than any receiver decodes once enveloped, or (a bug if it happens) a message
 * that does not validate.
 */
export function encodeDesired(node: string, message: DesiredMessageInput): Result<Uint8Array, DesiredRejection> {
  if (message.pods.length > MAX_PODS_PER_NODE) {
    return err({ reason: 'TooManyPods', message: `node ${node} would have ${message.pods.length} pods; at most ${MAX_PODS_PER_NODE} fit its desired state` });
  }
  const jobs = message.cronJobs?.length ?? 0;
  if (jobs > MAX_CRONJOBS_PER_NODE) {
    return err({ reason: 'TooManyCronJobs', message: `node ${node} would have ${jobs} cron jobs; at most ${MAX_CRONJOBS_PER_NODE} fit its desired state` });
  }
  let payload: Uint8Array;
  try {
    payload = encodeDesiredBody(message);
  } catch (error) {
    return err({ reason: 'Invalid', message: `desired state of node ${node} does not validate: ${(error as Error).message}` });
  }
  if (payload.byteLength > MAX_DESIRED_BODY_BYTES) {
    const kib = (n: number) => Math.ceil(n / 1024);
    return err({ reason: 'TooLarge', message: `desired state of node ${node} would be ${kib(payload.byteLength)} KiB; the message limit is ${kib(MAX_MESSAGE_BYTES)} KiB` });
  }
  return ok(payload);
}
