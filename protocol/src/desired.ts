import { z } from 'zod';
import { Labels } from './labels.js';
import { PROTOCOL_VERSION } from './messages.js';
import { CronJobSpec, type CronJobSpecInput } from './objects/cronjob.js';
import { PodSpec, type PodSpecInput } from './objects/pod.js';
import { isNodeName } from './topics.js';

/** One pod of a node's desired state. The spec travels in manifest form (see `toWirePodSpec`). */
export const DesiredPodEntry = z.object({
  uid: z.string().min(1).max(64),
  name: z.string().min(1).max(253),
  labels: Labels.default({}),
  spec: PodSpec,
});

/** One CronJob the node runs on its own schedule (its runs are the agent's, even offline). */
export const DesiredCronJobEntry = z.object({
  uid: z.string().min(1).max(64),
  name: z.string().min(1).max(52),
  spec: CronJobSpec,
});
export type DesiredCronJobEntry = z.output<typeof DesiredCronJobEntry>;

const NodeName = z.string().refine(isNodeName, 'must be a node name (DNS label)');

/**
 * Everything a node should run: the signed body of the `…/desired` envelope (see `DesiredEnvelope`).
 * Whole-state, not a diff, so a device that was away for a week catches up with one message.
 */
export const DesiredMessage = z.object({
  v: z.literal(PROTOCOL_VERSION),
  /** The node this state is for: inside the signed bytes, so one node's state cannot be replayed to another. */
  node: NodeName,
  ts: z.number().int().nonnegative(),
  /** Grows with every change the hub commits for this node; the agent reports it back as observedGeneration. */
  generation: z.number().int().nonnegative(),
  pods: z.array(DesiredPodEntry).max(512),
  cronJobs: z.array(DesiredCronJobEntry).max(256).default([]),
});
export type DesiredMessage = z.output<typeof DesiredMessage>;
export type DesiredMessageInput = z.input<typeof DesiredMessage>;

const Bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { message: 'must be a byte string' });

/**
 * Hub→agent on `…/desired`, QoS 1, retained: the CBOR bytes of a `DesiredMessage` (`body`) and the
 * hub's Ed25519 signature over them (`sig`, see signing.ts). `node` and `generation` repeat the body's
 * so a receiver can route and discard before decoding; they are not signed and must equal the body's.
 * The hub signs every one; an envelope without `sig` is accepted only by agents that pin no hub key.
 */
export const DesiredEnvelope = z.object({
  v: z.literal(PROTOCOL_VERSION),
  node: NodeName,
  generation: z.number().int().nonnegative(),
  body: Bytes,
  sig: Bytes.refine((sig) => sig.byteLength <= 512, 'must be at most 512 bytes').optional(),
});
export type DesiredEnvelope = z.output<typeof DesiredEnvelope>;
export type DesiredEnvelopeInput = z.input<typeof DesiredEnvelope>;

type ResourceInput = { cpu?: number | string; memory?: number | string; pids?: number };

/**
 * A parsed spec back in manifest form, so that decoding it gives the same spec:
 * cpu millicores become `"250m"` (a bare number would read as cores), memory stays bytes.
 */
export function toWirePodSpec(spec: PodSpec): PodSpecInput {
  const quantities = (r: ResourceInput): ResourceInput => ({ ...r, ...(typeof r.cpu === 'number' ? { cpu: `${r.cpu}m` } : {}) });
  return {
    ...spec,
    containers: spec.containers.map((c) => ({ ...c, resources: { requests: quantities(c.resources.requests), limits: quantities(c.resources.limits) } })),
  } as PodSpecInput;
}

/** A parsed CronJob spec back in manifest form (its template's quantities as `toWirePodSpec` writes them). */
export function toWireCronJobSpec(spec: CronJobSpec): CronJobSpecInput {
  const { metadata, ...podSpec } = spec.template;
  return { ...spec, template: { ...(toWirePodSpec(podSpec as PodSpec) as object), metadata } } as CronJobSpecInput;
}
