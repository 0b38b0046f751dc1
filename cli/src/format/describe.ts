import { formatCpu, formatMemory, type NodeObject } from '../../../protocol/src/index.js';
import { age } from './age.js';
import { type Field, formatFields } from './fields.js';
import { nodeRuntime } from './nodes.js';
import { formatTable } from './table.js';

/**
 * `corral describe node NAME`: a kubectl-describe-like text block. Top-level
 * fields are aligned in one column; sections (Conditions, Capacity, …) are
 * indented by two spaces and aligned on their own.
 */

const INDENT = '  ';

function labelLines(labels: Readonly<Record<string, string>>): string[] {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? ['<none>'] : keys.map((k) => `${k}=${labels[k] ?? ''}`);
}

function taintLines(taints: NodeObject['spec']['taints']): string[] {
  if (taints.length === 0) return ['<none>'];
  return taints.map((t) => (t.value === undefined ? `${t.key}:${t.effect}` : `${t.key}=${t.value}:${t.effect}`));
}

function conditionsBlock(conditions: NodeObject['status']['conditions']): string {
  if (conditions.length === 0) return `${INDENT}<none>\n`;
  const headers = ['TYPE', 'STATUS', 'LASTHEARTBEATTIME', 'LASTTRANSITIONTIME', 'REASON', 'MESSAGE'];
  const rows = conditions.map((c) => [
    c.type,
    c.status,
    c.lastHeartbeatTime ?? '<unknown>',
    c.lastTransitionTime,
    c.reason || '<none>',
    c.message.replace(/\s+/g, ' '),
  ]);
  return formatTable(headers, rows, INDENT);
}

function resourceBlock(resources: NodeObject['status']['capacity']): string {
  return formatFields(
    [
      ['cpu', formatCpu(resources.cpu)],
      ['memory', formatMemory(resources.memory)],
      ['pids', String(resources.pids)],
    ],
    INDENT,
  );
}

function systemInfoBlock(info: NodeObject['status']['nodeInfo'], node: NodeObject): string {
  return formatFields(
    [
      ['Hostname', info.hostname || '<none>'],
      ['Architecture', info.architecture],
      ['Variant', info.variant ?? '<none>'],
      ['Operating System', info.os || '<none>'],
      ['OS Image', info.osImage || '<none>'],
      ['Kernel Version', info.kernel || '<none>'],
      ['Cgroup Version', info.cgroupVersion],
      ['Container Runtime', nodeRuntime(node)],
      ['Agent Version', info.agentVersion || '<none>'],
    ],
    INDENT,
  );
}

/** `350m (9% of allocatable)`; no percentage when allocatable is zero. */
function withShare(shown: string, used: number, allocatable: number): string {
  if (allocatable <= 0) return shown;
  return `${shown} (${Math.round((used / allocatable) * 100)}% of allocatable)`;
}

/** Usage figures are millicores and bytes like everything else; heartbeats may carry fractions, so round. */
function usageBlock(node: NodeObject): string | undefined {
  const { usage, agent, allocatable } = node.status;
  if (usage === undefined && agent === undefined) return undefined;
  const fields: Field[] = [];
  if (usage !== undefined) {
    fields.push(
      ['Node CPU', withShare(formatCpu(Math.round(usage.cpu)), usage.cpu, allocatable.cpu)],
      ['Node Memory', withShare(formatMemory(Math.round(usage.memory)), usage.memory, allocatable.memory)],
      ['Node Memory Available', formatMemory(Math.round(usage.memoryAvailable))],
    );
  }
  if (agent !== undefined) {
    fields.push(
      ['Agent CPU', formatCpu(Math.round(agent.cpu))],
      ['Agent RSS', formatMemory(Math.round(agent.memory))],
      ['Messages Dropped', String(agent.messagesDropped)],
    );
  }
  return formatFields(fields, INDENT);
}

/** The full `describe node` text, ending in "\n". `now` (ms since the epoch) is only used for the creation age. */
export function describeNode(node: NodeObject, now: number): string {
  const { metadata, spec, status } = node;
  const created = `${metadata.creationTimestamp} (${age(metadata.creationTimestamp, now)} ago)`;
  const sections = [
    formatFields([
      ['Name', metadata.name],
      ['UID', metadata.uid],
      ['Labels', labelLines(metadata.labels)],
      ['CreationTimestamp', created],
      ['Phase', status.phase],
      ['Unschedulable', String(spec.unschedulable)],
      ['Taints', taintLines(spec.taints)],
    ]),
    'Conditions:\n' + conditionsBlock(status.conditions),
    'Capacity:\n' + resourceBlock(status.capacity),
    'Allocatable:\n' + resourceBlock(status.allocatable),
    'System Info:\n' + systemInfoBlock(status.nodeInfo, node),
  ];
  const usage = usageBlock(node);
  if (usage !== undefined) sections.push('Usage:\n' + usage);
  return sections.join('');
}
