import { randomUUID } from 'node:crypto';
import { DaemonSetSpec, DeploymentSpec, HOSTNAME_LABEL, type LabelSelector } from '../../../../protocol/src/index.js';
import type { NodeRecord } from '../../../../hub/src/registry/node-record.js';
import type { Decision, NodeVerdict, Rejection } from '../../../../hub/src/scheduler/types.js';
import type { DaemonSetRecord, DeploymentRecord, OwnedPod, ScheduleFn } from '../../../../hub/src/workloads/index.js';

export const T0 = Date.parse('2024-06-01T12:00:00Z');

/** A pod template of one busybox container with `labels`, parsed later by the spec schemas. */
export function template(labels: Record<string, string> = { app: 'web' }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    metadata: { labels },
    containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'], resources: { requests: { cpu: '100m', memory: '16Mi' } } }],
    ...extra,
  };
}

export function deployment(name: string, spec: Record<string, unknown> = {}, options: { uid?: string; generation?: number } = {}): DeploymentRecord {
  return {
    kind: 'Deployment',
    uid: options.uid ?? `uid-${name}`,
    name,
    labels: {},
    generation: options.generation ?? 1,
    createdAt: T0,
    spec: DeploymentSpec.parse({ template: template({ app: name }), ...spec }),
  };
}

export function daemonSet(name: string, spec: Record<string, unknown> = {}, options: { uid?: string } = {}): DaemonSetRecord {
  return { kind: 'DaemonSet', uid: options.uid ?? `uid-${name}`, name, labels: {}, generation: 1, createdAt: T0, spec: DaemonSetSpec.parse({ template: template({ app: name }), ...spec }) };
}

/** An owned pod as the plans see it. */
export function owned(name: string, options: Partial<OwnedPod> = {}): OwnedPod {
  return { name, uid: `uid-${name}`, hash: 'h1', nodeName: 'n1', createdAt: T0, ready: true, ...options };
}

/** A registered node record as the registry would hold it. */
export function nodeRecord(name: string, options: { labels?: Record<string, string>; phase?: NodeRecord['phase']; since?: number; unschedulable?: boolean; memory?: number } = {}): NodeRecord {
  const phase = options.phase ?? 'Ready';
  return {
    name,
    uid: randomUUID(),
    session: 1,
    labels: options.labels ?? {},
    info: { architecture: 'arm64', os: 'linux', osImage: '', kernel: '', cgroupVersion: 'v2', runtime: { name: 'crun', version: '1' }, agentVersion: '0', hostname: name },
    capacity: { cpu: 4000, memory: options.memory ?? 2 ** 30, pids: 1000 },
    allocatable: { cpu: 4000, memory: options.memory ?? 2 ** 30, pids: 1000 },
    createdAt: T0,
    online: phase === 'Ready',
    phase,
    ready: { status: phase === 'Ready' ? 'True' : 'Unknown', reason: phase === 'Ready' ? 'AgentReady' : 'AgentDisconnected', message: '', transitionAt: options.since ?? T0 },
    unschedulable: options.unschedulable ?? false,
  };
}

function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v);
}

/**
 * A stand-in for hub/src/scheduler/schedule.ts that respects its types: filters NodeReady,
 * NodeUnschedulable, NodeSelector, memory fit and required pod anti-affinity (matchLabels
 * only, either direction); picks the feasible node with the fewest pods, then by name.
 */
export const standInSchedule: ScheduleFn = (pod, snapshot) => {
  const verdicts: NodeVerdict[] = snapshot.nodes.map((node) => {
    const rejections: Rejection[] = [];
    if (!node.ready) rejections.push({ filter: 'NodeReady', phase: 'NotReady' });
    if (node.unschedulable) rejections.push({ filter: 'NodeUnschedulable' });
    for (const [key, wanted] of Object.entries(pod.spec.nodeSelector)) {
      if (node.labels[key] !== wanted) rejections.push({ filter: 'NodeSelector', key, wanted, actual: node.labels[key] });
    }
    const here = snapshot.pods.filter((p) => p.nodeName === node.name);
    const memory = pod.spec.containers.reduce((sum, c) => sum + (c.resources.requests.memory ?? c.resources.limits.memory ?? 0), 0);
    const used = here.reduce((sum, p) => sum + p.requests.memory, 0);
    if (used + memory > node.allocatable.memory) rejections.push({ filter: 'NodeResourcesFit', resource: 'memory', requested: memory, used, capacity: node.allocatable.memory });
    for (const term of pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const domain = node.labels[term.topologyKey];
      const sameDomain = snapshot.pods.filter((p) => snapshot.nodes.find((n) => n.name === p.nodeName)?.labels[term.topologyKey] === domain);
      const conflict = sameDomain.find((p) => selects(term.labelSelector, p.labels));
      if (domain !== undefined && conflict) rejections.push({ filter: 'PodAntiAffinity', topologyKey: term.topologyKey, selector: JSON.stringify(term.labelSelector.matchLabels), conflictingPod: conflict.name });
    }
    return { node: node.name, rejections, ...(rejections.length === 0 ? { score: { scores: { resources: 100 - here.length }, total: 100 - here.length } } : {}) };
  });
  const feasible = verdicts.filter((v) => v.rejections.length === 0).sort((a, b) => (b.score?.total ?? 0) - (a.score?.total ?? 0) || (a.node < b.node ? -1 : 1));
  const decision: Decision = { pod: pod.name, node: feasible[0]?.node, verdicts };
  return decision;
};

export const schedulerConfig = { resourceStrategy: 'LeastAllocated', weights: { resources: 1 } } as const;

/** Required anti-affinity on `corral.io/hostname` against pods labelled `app=<app>`. */
export function hostnameAntiAffinity(app: string): Record<string, unknown> {
  return { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: HOSTNAME_LABEL }] } } };
}
