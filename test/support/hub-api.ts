import { type NodeObject, NodeList, NodeObject as NodeSchema } from '../../protocol/src/index.js';

export async function getNodes(api: string): Promise<NodeObject[]> {
  const res = await fetch(`${api}/api/v1/nodes`);
  return NodeList.parse(await res.json()).items;
}

/** The node, or undefined while the hub does not know it. */
export async function getNode(api: string, name: string): Promise<NodeObject | undefined> {
  const res = await fetch(`${api}/api/v1/nodes/${name}`);
  if (res.status === 404) return undefined;
  return NodeSchema.parse(await res.json());
}

export interface Stats {
  received: Record<string, number>;
  dropped: Record<string, number>;
  droppedTotal: number;
  nodes: number;
}

export async function getStats(api: string): Promise<Stats> {
  return (await (await fetch(`${api}/api/v1/stats`)).json()) as Stats;
}

/** Waits for the node to reach `phase` (and, if given, `reason`); returns it with the time waited. */
export function readyReason(node: NodeObject): string | undefined {
  return node.status.conditions.find((c) => c.type === 'Ready')?.reason;
}
