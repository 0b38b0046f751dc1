import { formatCpu, formatMemory } from '../../../protocol/src/index.js';
import type { ApiPod } from '../pod-object.js';
import type { ApiDaemonSet, ApiDeployment, WorkloadEventList } from '../workload-object.js';
import { age } from './age.js';
import { type Field, formatFields } from './fields.js';
import { podStatus } from './pods.js';
import { formatTable } from './table.js';

/**
 * `corral describe deployment|daemonset NAME`: the workload's fields, its pod template,
 * its pods (where they are and how they are doing) and what its controller did lately.
 */

const INDENT = '  ';
type Template = ApiDeployment['spec']['template'];

export function labelLines(labels: Readonly<Record<string, string>>): string[] {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? ['<none>'] : keys.map((k) => `${k}=${labels[k] ?? ''}`);
}

function resources(r: { cpu?: number; memory?: number; pids?: number }): string {
  const parts = [r.cpu === undefined ? '' : `cpu=${formatCpu(r.cpu)}`, r.memory === undefined ? '' : `memory=${formatMemory(r.memory)}`, r.pids === undefined ? '' : `pids=${r.pids}`].filter(Boolean);
  return parts.length === 0 ? '<none>' : parts.join(',');
}

function placementLines(template: Template): Field[] {
  const fields: Field[] = [];
  const selector = Object.entries(template.nodeSelector).map(([k, v]) => `${k}=${v}`);
  fields.push(['Node-Selectors', selector.length === 0 ? '<none>' : selector]);
  const affinity = template.affinity;
  const kinds = [affinity?.nodeAffinity ? 'node' : '', affinity?.podAffinity ? 'pod' : '', affinity?.podAntiAffinity ? 'pod anti' : ''].filter(Boolean);
  if (kinds.length > 0) fields.push(['Affinity', kinds.map((k) => `${k} affinity`).join(', ')]);
  const tolerations = template.tolerations.map((t) => `${t.key ?? '*'}${t.value === undefined ? '' : `=${t.value}`}${t.effect === undefined ? '' : `:${t.effect}`} (${t.operator})`);
  fields.push(['Tolerations', tolerations.length === 0 ? '<none>' : tolerations]);
  return fields;
}

export function templateBlock(template: Template): string {
  const top = formatFields([['Labels', labelLines(template.metadata.labels)], ...placementLines(template)], INDENT);
  const containers = template.containers
    .map((c) => {
      const fields: Field[] = [['Image', c.image]];
      if (c.command?.length) fields.push(['Command', c.command]);
      if (c.args?.length) fields.push(['Args', c.args]);
      fields.push(['Requests', resources(c.resources.requests)], ['Limits', resources(c.resources.limits)]);
      return `${INDENT}${INDENT}${c.name}:\n` + formatFields(fields, INDENT.repeat(3));
    })
    .join('');
  return 'Pod Template:\n' + top + `${INDENT}Containers:\n` + containers;
}

function podsBlock(pods: readonly ApiPod[], now: number): string {
  if (pods.length === 0) return `Pods:\n${INDENT}<none>\n`;
  const rows = pods.map((p) => [p.metadata.name, podStatus(p), p.spec.nodeName ?? '<none>', age(p.metadata.creationTimestamp, now)]);
  return 'Pods:\n' + formatTable(['NAME', 'STATUS', 'NODE', 'AGE'], rows, INDENT);
}

export function eventsBlock(events: WorkloadEventList, now: number): string {
  if (events.items.length === 0) return `Events:\n${INDENT}<none>\n`;
  const rows = events.items.map((e) => [e.reason, age(e.at, now), e.message]);
  return 'Events:\n' + formatTable(['REASON', 'AGE', 'MESSAGE'], rows, INDENT);
}

function generationLine(generation: number, observed: number | undefined): string {
  return observed !== undefined && observed >= generation ? `${generation} (observed by its controller)` : `${generation} (not yet observed by its controller)`;
}

function onNodeLostLine(policy: { policy: string; lostAfterSeconds: number }): string {
  return policy.policy === 'reschedule' ? `reschedule after ${policy.lostAfterSeconds}s` : `keep (pods stay with their node)`;
}

/** The full `describe deployment` text, ending in "\n". */
export function describeDeployment(d: ApiDeployment, context: { pods: readonly ApiPod[]; events: WorkloadEventList; now: number }): string {
  const { metadata, spec, status } = d;
  const strategy = spec.strategy.type === 'RollingUpdate' ? `${spec.strategy.rollingUpdate.maxUnavailable} max unavailable, ${spec.strategy.rollingUpdate.maxSurge} max surge` : undefined;
  const top: Field[] = [
    ['Name', metadata.name],
    ['UID', metadata.uid],
    ['Labels', labelLines(metadata.labels)],
    ['CreationTimestamp', `${metadata.creationTimestamp} (${age(metadata.creationTimestamp, context.now)} ago)`],
    ['Generation', generationLine(metadata.generation, status.observedGeneration)],
    ['Replicas', `${spec.replicas} desired | ${status.updatedReplicas} updated | ${status.replicas} total | ${status.availableReplicas} available | ${status.unavailableReplicas} unavailable | ${status.pendingReplicas} pending`],
    ['StrategyType', spec.strategy.type],
  ];
  if (strategy !== undefined) top.push(['RollingUpdateStrategy', strategy]);
  top.push(['OnNodeLost', onNodeLostLine(spec.onNodeLost)]);
  return formatFields(top) + templateBlock(spec.template) + podsBlock(context.pods, context.now) + eventsBlock(context.events, context.now);
}

/** The full `describe daemonset` text, ending in "\n". */
export function describeDaemonSet(ds: ApiDaemonSet, context: { pods: readonly ApiPod[]; events: WorkloadEventList; now: number }): string {
  const { metadata, spec, status } = ds;
  const top: Field[] = [
    ['Name', metadata.name],
    ['UID', metadata.uid],
    ['Labels', labelLines(metadata.labels)],
    ['CreationTimestamp', `${metadata.creationTimestamp} (${age(metadata.creationTimestamp, context.now)} ago)`],
    ['Generation', generationLine(metadata.generation, status.observedGeneration)],
    ['Desired Number of Nodes Scheduled', String(status.desiredNumberScheduled)],
    ['Current Number of Nodes Scheduled', String(status.currentNumberScheduled)],
    ['Number of Nodes Scheduled with Up-to-date Pods', String(status.updatedNumberScheduled)],
    ['Number of Nodes Misscheduled', String(status.numberMisscheduled)],
    ['Pods Status', `${status.numberReady} Ready / ${status.numberUnavailable} Unavailable`],
    ['OnNodeLost', onNodeLostLine(spec.onNodeLost)],
  ];
  return formatFields(top) + templateBlock(spec.template) + podsBlock(context.pods, context.now) + eventsBlock(context.events, context.now);
}
