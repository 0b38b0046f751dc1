import { z } from 'zod';
import { Labels } from '../labels.js';
import { NodeInfo, ResourceList } from '../messages.js';

export const API_VERSION = 'corral/v1';

export const NodePhase = z.enum(['Ready', 'NotReady', 'Lost']);
export type NodePhase = z.infer<typeof NodePhase>;

const isoTime = z.iso.datetime();

export const NodeCondition = z.object({
  type: z.literal('Ready'),
  status: z.enum(['True', 'False', 'Unknown']),
  /** Why the node is in this state: `AgentReady`, `AgentShutdown`, `AgentDisconnected`, `HeartbeatTimeout`, `HubRestarted`. */
  reason: z.string(),
  message: z.string(),
  lastHeartbeatTime: isoTime.optional(),
  lastTransitionTime: isoTime,
});
export type NodeCondition = z.infer<typeof NodeCondition>;

/** The Node object of DESIGN.md §2, as the HTTP API serves it. */
export const NodeObject = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Node'),
  metadata: z.object({ name: z.string(), uid: z.string(), labels: Labels, creationTimestamp: isoTime }),
  spec: z.object({
    unschedulable: z.boolean(),
    taints: z.array(z.object({ key: z.string(), value: z.string().optional(), effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) })),
  }),
  status: z.object({
    phase: NodePhase,
    conditions: z.array(NodeCondition),
    capacity: ResourceList,
    allocatable: ResourceList,
    nodeInfo: NodeInfo,
    /** Last heartbeat's figures: node-wide usage and the agent's own footprint. */
    usage: z.object({ cpu: z.number(), memory: z.number(), memoryAvailable: z.number() }).optional(),
    agent: z.object({ cpu: z.number(), memory: z.number(), messagesDropped: z.number() }).optional(),
  }),
});
export type NodeObject = z.infer<typeof NodeObject>;

export const NodeList = z.object({ apiVersion: z.literal(API_VERSION), kind: z.literal('List'), items: z.array(NodeObject) });
export type NodeList = z.infer<typeof NodeList>;

/** Error body of the HTTP API, shaped like a Kubernetes `Status`. */
export const ApiStatus = z.object({
  kind: z.literal('Status'),
  status: z.literal('Failure'),
  code: z.number().int(),
  reason: z.string(),
  message: z.string(),
});
export type ApiStatus = z.infer<typeof ApiStatus>;
