import { z } from 'zod';
import { AgentEvent } from '../../protocol/src/index.js';

/** One agent event as `GET /api/v1/events` returns it. */
export const ApiNodeEvent = AgentEvent.extend({ node: z.string(), uid: z.string(), receivedAt: z.number() });
export type ApiNodeEvent = z.infer<typeof ApiNodeEvent>;

const DeliveryCounters = z.object({ uid: z.string(), lastSeq: z.number(), stored: z.number(), duplicates: z.number(), missing: z.number() });

export const ApiNodeEventList = z.object({
  kind: z.literal('EventList'),
  items: z.array(ApiNodeEvent),
  /** Per node: the last sequence number stored, redeliveries ignored, numbers never received. */
  delivery: z.record(z.string(), DeliveryCounters),
});
export type ApiNodeEventList = z.infer<typeof ApiNodeEventList>;
