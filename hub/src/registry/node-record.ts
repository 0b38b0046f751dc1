import type { HeartbeatMessage, NodeInfo, NodePhase, ResourceList, StatusMessage } from '../../../protocol/src/index.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Why a node is (not) ready; the `reason` of its Ready condition. */
export type ReadyReason = 'AgentReady' | 'AgentShutdown' | 'AgentDisconnected' | 'HeartbeatTimeout' | 'HubRestarted';

export interface ReadyCondition {
  status: ConditionStatus;
  reason: ReadyReason;
  message: string;
  /** ms since the epoch, hub clock. */
  transitionAt: number;
}

/** What the hub knows about one node. All times are the hub's clock (ms). */
export interface NodeRecord {
  name: string;
  uid: string;
  /** Highest agent session seen; older statuses are stale. */
  session: number;
  labels: Record<string, string>;
  info: NodeInfo;
  capacity: ResourceList;
  allocatable: ResourceList;
  createdAt: number;
  online: boolean;
  phase: NodePhase;
  ready: ReadyCondition;
  unschedulable: boolean;
  lastHeartbeatAt?: number;
  /** From the last heartbeat; never persisted. */
  usage?: { cpu: number; memory: number; memoryAvailable: number };
  agent?: { cpu: number; memory: number; messagesDropped: number };
  /** Per-pod usage from the last heartbeat; never persisted. */
  podUsage?: Array<{ name: string; cpu: number; memory: number }>;
}

function transition(record: NodeRecord, phase: NodePhase, ready: Omit<ReadyCondition, 'transitionAt'>, now: number): NodeRecord {
  const same = record.phase === phase && record.ready.status === ready.status && record.ready.reason === ready.reason;
  return same ? record : { ...record, phase, ready: { ...ready, transitionAt: now } };
}

const readyCondition = { status: 'True', reason: 'AgentReady', message: 'agent is connected and sending heartbeats' } as const;

/**
 * A status message. Returns the new record, or `undefined` when the message
 * changes nothing the hub can act on: a stale session of a known identity, or
 * an offline notice of a node never seen online.
 */
export function applyStatus(prev: NodeRecord | undefined, name: string, msg: StatusMessage, now: number): NodeRecord | undefined {
  const sameIdentity = prev !== undefined && prev.uid === msg.uid;
  if (sameIdentity && msg.session < prev.session) return undefined;
  if (!msg.online) {
    if (!prev || !sameIdentity) return undefined;
    const base = { ...prev, session: msg.session, online: false };
    return msg.reason === 'shutdown'
      ? transition(base, 'NotReady', { status: 'False', reason: 'AgentShutdown', message: 'agent stopped and said goodbye' }, now)
      : transition(base, 'NotReady', { status: 'Unknown', reason: 'AgentDisconnected', message: 'agent connection lost (last will)' }, now);
  }
  const base: NodeRecord = {
    name,
    uid: msg.uid,
    session: msg.session,
    labels: msg.labels,
    info: msg.info,
    capacity: msg.capacity,
    allocatable: msg.allocatable,
    createdAt: sameIdentity ? prev.createdAt : (prev?.createdAt ?? now),
    online: true,
    phase: prev?.phase ?? 'NotReady',
    ready: prev?.ready ?? { status: 'Unknown', reason: 'AgentDisconnected', message: '', transitionAt: now },
    unschedulable: prev?.unschedulable ?? false,
    lastHeartbeatAt: now,
    ...(prev?.usage ? { usage: prev.usage } : {}),
    ...(prev?.agent ? { agent: prev.agent } : {}),
  };
  return transition(base, 'Ready', readyCondition, now);
}

/** A heartbeat: fresh usage; revives a node that only went quiet (not one whose connection is known dead). */
export function applyHeartbeat(prev: NodeRecord, msg: HeartbeatMessage, now: number): NodeRecord {
  const next: NodeRecord = { ...prev, lastHeartbeatAt: now, usage: msg.node, agent: msg.agent, podUsage: msg.pods };
  const quiet = prev.ready.reason === 'HeartbeatTimeout' || prev.ready.reason === 'HubRestarted';
  return prev.online && prev.phase !== 'Ready' && quiet ? transition(next, 'Ready', readyCondition, now) : next;
}

/** A Ready node silent for longer than the grace period becomes NotReady. */
export function expireHeartbeat(prev: NodeRecord, now: number, graceMs: number): NodeRecord {
  if (prev.phase !== 'Ready') return prev;
  const last = prev.lastHeartbeatAt ?? prev.ready.transitionAt;
  if (now - last <= graceMs) return prev;
  return transition(prev, 'NotReady', { status: 'Unknown', reason: 'HeartbeatTimeout', message: `no heartbeat for ${Math.round((now - last) / 1000)}s` }, now);
}

/** Cordon (`unschedulable: true`) or uncordon a node: the scheduler places no new pods on a cordoned node. */
export function applyCordon(prev: NodeRecord, unschedulable: boolean): NodeRecord {
  return prev.unschedulable === unschedulable ? prev : { ...prev, unschedulable };
}

/**
 * A node NotReady for longer than `lostMs` is shown as Lost. Its Ready
 * condition (and the time it changed) is kept: workloads time their own
 * `onNodeLost.lostAfterSeconds` from it. Any sign of life makes it Ready again.
 */
export function markLost(prev: NodeRecord, now: number, lostMs: number): NodeRecord {
  if (prev.phase !== 'NotReady' || now - prev.ready.transitionAt <= lostMs) return prev;
  return { ...prev, phase: 'Lost' };
}

/** A record loaded at hub start: the hub has not heard from the node yet, so its readiness is unknown. */
export function restoreRecord(stored: NodeRecord, now: number): NodeRecord {
  const { usage: _u, agent: _a, podUsage: _p, ...rest } = stored;
  if (stored.phase !== 'Ready') return rest;
  return transition(rest, 'NotReady', { status: 'Unknown', reason: 'HubRestarted', message: 'hub restarted; waiting for the agent' }, now);
}

/** The part of a record worth a disk write: everything but heartbeat figures. */
export function durableRecord(record: NodeRecord): NodeRecord {
  const { usage: _u, agent: _a, podUsage: _p, lastHeartbeatAt: _h, ...rest } = record;
  return rest;
}
