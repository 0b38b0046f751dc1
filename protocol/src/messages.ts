import { z } from 'zod';
import { Labels } from './labels.js';

/** Bumped only on an incompatible change of any payload; every payload carries it as `v`. */
export const PROTOCOL_VERSION = 1;

const version = z.literal(PROTOCOL_VERSION);
const count = z.number().int().nonnegative();
/** Milliseconds since the Unix epoch, as the sender's clock saw it. */
const timestamp = z.number().int().nonnegative();

/** `{cpu: millicores, memory: bytes, pids}` (DESIGN.md §2). */
export const ResourceList = z.object({ cpu: count, memory: count, pids: count });
export type ResourceList = z.infer<typeof ResourceList>;

export const NodeInfo = z.object({
  /** GOARCH terms: amd64, arm64, arm, 386, riscv64… */
  architecture: z.string().regex(/^[a-z0-9]{1,16}$/),
  /** ARM variant (`v6`, `v7`, `v8`) where the architecture has one. */
  variant: z.string().regex(/^v[0-9]$/).optional(),
  os: z.string().max(64),
  osImage: z.string().max(256),
  kernel: z.string().max(256),
  cgroupVersion: z.enum(['v1', 'v2']),
  /** OCI runtime the agent found: `runc`, `crun`, or `none`. */
  runtime: z.object({ name: z.enum(['runc', 'crun', 'none']), version: z.string().max(64) }),
  agentVersion: z.string().max(64),
  hostname: z.string().max(253),
});
export type NodeInfo = z.infer<typeof NodeInfo>;

const statusBase = {
  v: version,
  ts: timestamp,
  /** The agent's identity, created at its first start and kept in its store. */
  uid: z.uuid(),
  /**
   * Grows with every connection the agent makes (boot count × 1e6 + attempt).
   * The hub ignores a status from an older session than one it has seen, so a
   * late last will of a dead connection cannot override a newer online status;
   * unlike timestamps this does not depend on a device clock that may jump.
   */
  session: count,
};

/** Retained on `…/status`. The agent's last will is the `online: false, reason: 'connection-lost'` form. */
export const StatusMessage = z.discriminatedUnion('online', [
  z.object({
    ...statusBase,
    online: z.literal(true),
    info: NodeInfo,
    labels: Labels,
    capacity: ResourceList,
    allocatable: ResourceList,
  }),
  z.object({ ...statusBase, online: z.literal(false), reason: z.enum(['shutdown', 'connection-lost']) }),
]);
export type StatusMessage = z.infer<typeof StatusMessage>;

export const Usage = z.object({ cpu: count, memory: count });
export type Usage = z.infer<typeof Usage>;

/** QoS 0 on `…/heartbeat`, every few seconds. Never persisted by either side. */
export const HeartbeatMessage = z.object({
  v: version,
  ts: timestamp,
  seq: count,
  node: Usage.extend({ memoryAvailable: count }),
  agent: Usage.extend({ messagesDropped: count }),
  pods: z.array(Usage.extend({ name: z.string().max(253) })).max(1024),
});
export type HeartbeatMessage = z.infer<typeof HeartbeatMessage>;

const ContainerStateRunning = z.object({ startedAt: timestamp });
const ContainerStateWaiting = z.object({ reason: z.string().max(128), message: z.string().max(1024).optional() });
const ContainerStateTerminated = z.object({
  exitCode: z.number().int(),
  signal: z.number().int().optional(),
  reason: z.string().max(128),
  startedAt: timestamp.optional(),
  finishedAt: timestamp,
});

export const ContainerStatus = z.object({
  name: z.string().max(63),
  image: z.string().max(512),
  containerID: z.string().max(128).optional(),
  ready: z.boolean(),
  restartCount: count,
  state: z.object({
    running: ContainerStateRunning.optional(),
    waiting: ContainerStateWaiting.optional(),
    terminated: ContainerStateTerminated.optional(),
  }),
  lastTermination: ContainerStateTerminated.optional(),
});
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const PodStatus = z.object({
  name: z.string().max(253),
  uid: z.string().max(64),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']),
  podIP: z.string().max(64).optional(),
  startTime: timestamp.optional(),
  containerStatuses: z.array(ContainerStatus).max(64),
});
export type PodStatus = z.infer<typeof PodStatus>;

/** QoS 1 on `…/state`: the agent's observed state of all its pods, sent on change and periodically. */
export const StateMessage = z.object({
  v: version,
  ts: timestamp,
  observedGeneration: count,
  pods: z.array(PodStatus).max(1024),
});
export type StateMessage = z.infer<typeof StateMessage>;

const correlationId = z.string().min(1).max(64);

/** Hub→agent request on `…/cmd`; one variant per operation, dispatched on `op`. */
const commandBase = { v: version, id: correlationId, ts: timestamp };

export const CommandMessage = z.discriminatedUnion('op', [
  z.object({ ...commandBase, op: z.literal('ping') }),
  /** The last lines of a container's log; `container` may be left out for a pod of one container. */
  z.object({
    ...commandBase,
    op: z.literal('logs'),
    pod: z.string().min(1).max(253),
    container: z.string().max(63).optional(),
    tail: z.number().int().positive().max(10_000).optional(),
  }),
  /** Starts a run of a CronJob now, whatever its schedule and `suspend` (concurrencyPolicy still applies). */
  z.object({ ...commandBase, op: z.literal('trigger'), job: z.string().min(1).max(52) }),
]);
export type CommandMessage = z.infer<typeof CommandMessage>;
export type CommandOp = CommandMessage['op'];

/** Result of each operation, validated by the hub when the reply arrives. */
export const CommandResults = {
  ping: z.object({ agentVersion: z.string().max(64), uptimeSeconds: z.number().nonnegative() }),
  logs: z.object({ container: z.string().max(63), lines: z.array(z.string().max(16_384)).max(10_000), truncated: z.boolean() }),
  /** `started: false` with a reason when the concurrency policy forbids a run now. */
  trigger: z.object({ run: z.string().max(253), started: z.boolean(), reason: z.string().max(256).optional() }),
} satisfies Record<CommandOp, z.ZodType>;
export type CommandResult<Op extends CommandOp> = z.infer<(typeof CommandResults)[Op]>;

/** Agent→hub answer on `…/reply`, matched to its command by `id`. */
export const ReplyMessage = z.discriminatedUnion('ok', [
  z.object({ v: version, id: correlationId, ts: timestamp, ok: z.literal(true), result: z.unknown() }),
  z.object({
    v: version,
    id: correlationId,
    ts: timestamp,
    ok: z.literal(false),
    error: z.object({ code: z.string().max(64), message: z.string().max(1024) }),
  }),
]);
export type ReplyMessage = z.infer<typeof ReplyMessage>;
