import { TOPIC_ROOT, agentToHubKinds, hubToAgentKinds, isNodeName, parseTopic } from '../../../protocol/src/index.js';
import { HUB_MQTT_USERNAME } from '../security/hub-mqtt-identity.js';

/**
 * Who an authenticated MQTT client is: the hub itself, or one node. The broker
 * binds the identity at CONNECT (username and password) and every later
 * publish and subscribe is judged against it by the pure rules below. The
 * Mosquitto ACL written by `corral-hub broker-config mosquitto` states the
 * same rules (broker/mosquitto-config.ts); test/unit/hub/broker keeps the two
 * in step.
 */
export type BrokerIdentity = { kind: 'hub' } | { kind: 'node'; name: string };

/** The hub's MQTT username; never a node's (a node of that name is refused credentials). */
export const HUB_USERNAME = HUB_MQTT_USERNAME;
/** The hub's client ids start with this (hub/src/bus.ts: `corral-hub-<pid>`). */
export const HUB_CLIENT_ID_PREFIX = 'corral-hub-';
/** An agent's client id is this plus its node name (agent/src/agent.ts). */
export const AGENT_CLIENT_ID_PREFIX = 'corral-agent-';

/** What the hub publishes: its hub→agent kinds, and `status` to clear a deleted node's retained status. */
export const hubPublishKinds: readonly string[] = [...hubToAgentKinds, 'status'];
/** What a node publishes (its own topics only). */
export const nodePublishKinds: readonly string[] = agentToHubKinds;
/** What a node subscribes to (its own topics only, exactly). */
export const nodeSubscribeKinds: readonly string[] = hubToAgentKinds;

/** The client id a node must connect with, so that one node cannot take over another node's session. */
export function agentClientId(node: string): string {
  return `${AGENT_CLIENT_ID_PREFIX}${node}`;
}

/** The username of a node: its name, so Mosquitto's `%u` ACL patterns name its topics. */
export function identityOfUsername(username: string): BrokerIdentity | undefined {
  if (username === HUB_USERNAME) return { kind: 'hub' };
  return isNodeName(username) ? { kind: 'node', name: username } : undefined;
}

/**
 * May `identity` publish on `topic`? A node: only its own agent→hub topics
 * (`status`, `heartbeat`, `state`, `events`, `reply`). The hub: `desired`,
 * `cmd` and `ack` of any node, and `status` (clearing a deleted node's retained
 * status). Nothing else, for anyone.
 */
export function allowPublish(identity: BrokerIdentity, topic: string): boolean {
  const parsed = parseTopic(topic);
  if (!parsed) return false;
  if (identity.kind === 'hub') return hubPublishKinds.includes(parsed.kind);
  return parsed.node === identity.name && nodePublishKinds.includes(parsed.kind);
}

/**
 * May `identity` subscribe to `filter`? A node: exactly its own `desired`,
 * `cmd` and `ack` topics, no wildcards. The hub: anything under `corral/`.
 */
export function allowSubscribe(identity: BrokerIdentity, filter: string): boolean {
  if (identity.kind === 'hub') return isValidFilter(filter) && (filter === 'corral/#' || filter.startsWith('corral/'));
  if (filter.includes('+') || filter.includes('#')) return false;
  const parsed = parseTopic(filter);
  return parsed !== undefined && parsed.node === identity.name && nodeSubscribeKinds.includes(parsed.kind);
}

/** A node's last will may only be its own `status` (the `offline` announcement); the hub's, any topic it may publish. */
export function allowWill(identity: BrokerIdentity, topic: string): boolean {
  if (identity.kind === 'hub') return allowPublish(identity, topic);
  return topic === `${TOPIC_ROOT}/node/${identity.name}/status`;
}

/** A node connects as `corral-agent-<name>`; the hub as `corral-hub-<anything>`. */
export function allowClientId(identity: BrokerIdentity, clientId: string): boolean {
  if (identity.kind === 'hub') return clientId.startsWith(HUB_CLIENT_ID_PREFIX) && clientId.length > HUB_CLIENT_ID_PREFIX.length;
  return clientId === agentClientId(identity.name);
}

/** MQTT 3.1.1 §4.7: `#` only as the whole last level, `+` only as a whole level, no empty filter. */
function isValidFilter(filter: string): boolean {
  if (filter.length === 0) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level.includes('#')) return level === '#' && i === levels.length - 1;
    if (level.includes('+')) return level === '+';
    return true;
  });
}
