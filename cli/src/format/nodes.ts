import { formatCpu, formatMemory, type NodeObject } from '../../../protocol/src/index.js';
import { age } from './age.js';
import { formatTable } from './table.js';

/** Columns of `corral get nodes`; `-o wide` appends the wide ones. */
export const NODE_COLUMNS = ['NAME', 'STATUS', 'ARCH', 'CPU', 'MEMORY', 'AGE', 'LABELS'] as const;
export const NODE_WIDE_COLUMNS = ['OS-IMAGE', 'KERNEL', 'CGROUP', 'RUNTIME', 'AGENT-VERSION'] as const;

/** `Ready`, or `Ready,SchedulingDisabled` for a cordoned node (as kubectl shows it). */
export function nodeStatus(node: NodeObject): string {
  return node.spec.unschedulable ? `${node.status.phase},SchedulingDisabled` : node.status.phase;
}

/** `arm64`, or `arm/v7` when the agent reported a variant. */
export function nodeArch(node: NodeObject): string {
  const { architecture, variant } = node.status.nodeInfo;
  return variant ? `${architecture}/${variant}` : architecture;
}

/** `runc/1.1.12`; just the name when the agent reported no version (e.g. `none`). Slash, not space, keeps the column awk-friendly. */
export function nodeRuntime(node: NodeObject): string {
  const { name, version } = node.status.nodeInfo.runtime;
  return version ? `${name}/${version}` : name;
}

/** Labels as `k=v,k2=v2` sorted by key, or `<none>`. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels[k] ?? ''}`).join(',');
}

/** Empty strings would shift columns for anyone splitting on whitespace. */
function orNone(text: string): string {
  return text === '' ? '<none>' : text;
}

/** One `get nodes` row, in NODE_COLUMNS order (plus NODE_WIDE_COLUMNS when `wide`). */
export function nodeRow(node: NodeObject, now: number, wide = false): string[] {
  const { allocatable, nodeInfo } = node.status;
  const row = [
    node.metadata.name,
    nodeStatus(node),
    nodeArch(node),
    formatCpu(allocatable.cpu),
    formatMemory(allocatable.memory),
    age(node.metadata.creationTimestamp, now),
    formatLabels(node.metadata.labels),
  ];
  if (wide) row.push(
      orNone(nodeInfo.osImage),
      orNone(nodeInfo.kernel),
      nodeInfo.cgroupVersion,
      orNone(nodeRuntime(node)),
      orNone(nodeInfo.agentVersion),
    );
  return row;
}

/** The whole `get nodes` table, header included. */
export function formatNodeTable(nodes: readonly NodeObject[], now: number, wide = false): string {
  const headers: string[] = wide ? [...NODE_COLUMNS, ...NODE_WIDE_COLUMNS] : [...NODE_COLUMNS];
  return formatTable(
    headers,
    nodes.map((n) => nodeRow(n, now, wide)),
  );
}
