import { z } from 'zod';
import { PROTOCOL_VERSION } from './messages.js';
import { RunStatus } from './objects/cronjob.js';

const count = z.number().int().nonnegative();
const timestamp = z.number().int().nonnegative();

/**
 * What the agent's durable outbox carries. `high` events (OOM kills, probe
 * failures, start errors, fencing, dropped-event reports) are the last to go
 * when the outbox is full; `low` ones (ordinary exits and starts) go first.
 */
export const EventPriority = z.enum(['high', 'low']);
export type EventPriority = z.infer<typeof EventPriority>;

export const eventTypes = ['ContainerStarted', 'ContainerExited', 'ProbeFailed', 'PodFenced', 'PodUnfenced', 'EventsDropped', 'CronRun'] as const;

/** A CronJob run record (`CronRun` events): one per run that ended, or per scheduled time that was missed. */
export const RunRecord = z.object({
  job: z.string().min(1).max(52),
  jobUid: z.string().max(64),
  /** The run's pod name (`<job>-<scheduled time in seconds>`, `-m<n>` for a manual run). */
  run: z.string().max(253),
  /** The time the schedule named (for a manual run: when it was asked for). */
  scheduledAt: timestamp,
  startedAt: timestamp.optional(),
  finishedAt: timestamp.optional(),
  status: RunStatus,
  exitCode: z.number().int().optional(),
  reason: z.string().max(128).optional(),
  manual: z.boolean().optional(),
  /** The last lines of the run's log (its first container's). */
  logTail: z.array(z.string().max(1024)).max(20).optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** One event of a node. `seq` grows by one per event the agent records and is never reused on that data dir. */
export const AgentEvent = z.object({
  seq: z.number().int().positive(),
  ts: timestamp,
  type: z.enum(eventTypes),
  priority: EventPriority,
  pod: z.string().max(253).optional(),
  podUid: z.string().max(64).optional(),
  container: z.string().max(63).optional(),
  reason: z.string().max(128).optional(),
  message: z.string().max(1024).optional(),
  exitCode: z.number().int().optional(),
  /** `EventsDropped`: how many events the full outbox discarded. */
  count: count.optional(),
  /** `CronRun`: the run record. */
  run: RunRecord.optional(),
});
export type AgentEvent = z.infer<typeof AgentEvent>;

/**
 * Agent→hub on `…/events`, QoS 1: a batch from the outbox, oldest first, in
 * `seq` order. `uid` is the agent's identity: sequence numbers belong to it.
 */
export const EventsMessage = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    ts: timestamp,
    uid: z.uuid(),
    events: z.array(AgentEvent).min(1).max(256),
  })
  .refine((m) => m.events.every((e, i) => i === 0 || e.seq > (m.events[i - 1] as AgentEvent).seq), { message: 'events must be in increasing seq order', path: ['events'] });
export type EventsMessage = z.infer<typeof EventsMessage>;

/**
 * Hub→agent on `…/ack`, QoS 1: every event of agent `uid` up to `upTo` is
 * stored by the hub; the agent may forget them. Cumulative, so a lost ack is
 * made good by the next one.
 */
export const AckMessage = z.object({
  v: z.literal(PROTOCOL_VERSION),
  ts: timestamp,
  uid: z.uuid(),
  upTo: count,
});
export type AckMessage = z.infer<typeof AckMessage>;
