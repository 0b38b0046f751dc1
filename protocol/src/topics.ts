/**
 * MQTT topics of the Corral wire contract (DESIGN.md §3). Every topic is
 * `corral/v1/node/{node}/{kind}`; the node segment is the sender's (or the
 * recipient's, for hub→agent kinds) identity.
 */
export const TOPIC_ROOT = 'corral/v1';

export const agentToHubKinds = ['status', 'heartbeat', 'state', 'events', 'reply'] as const;
export const hubToAgentKinds = ['desired', 'cmd', 'ack'] as const;
export const topicKinds = [...agentToHubKinds, ...hubToAgentKinds] as const;

export type AgentToHubKind = (typeof agentToHubKinds)[number];
export type HubToAgentKind = (typeof hubToAgentKinds)[number];
export type TopicKind = (typeof topicKinds)[number];

/** DNS-1123 label: what Kubernetes accepts as a node name, and safe in a topic level. */
export const NODE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isNodeName(name: string): boolean {
  return NODE_NAME_PATTERN.test(name);
}

export function nodeTopic(node: string, kind: TopicKind): string {
  if (!isNodeName(node)) throw new TypeError(`invalid node name ${JSON.stringify(node)}`);
  return `${TOPIC_ROOT}/node/${node}/${kind}`;
}

/** Subscription filter matching one kind for every node. */
export function allNodesFilter(kind: TopicKind): string {
  return `${TOPIC_ROOT}/node/+/${kind}`;
}

export interface ParsedTopic {
  node: string;
  kind: TopicKind;
}

/** Parses a Corral topic; anything else (other roots, bad node names, unknown kinds) is `undefined`. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5) return undefined;
  const [root, version, segment, node, kind] = parts as [string, string, string, string, string];
  if (`${root}/${version}` !== TOPIC_ROOT || segment !== 'node') return undefined;
  if (!isNodeName(node)) return undefined;
  if (!(topicKinds as readonly string[]).includes(kind)) return undefined;
  return { node, kind: kind as TopicKind };
}
