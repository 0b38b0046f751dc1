/**
 * Synthetic clusters in the shapes of Kubernetes' scheduler_perf
 * (test/integration/scheduler_perf/config/performance-config.yaml): nodes of
 * 4 cpu / 32Gi, pods of the default template (100m cpu, 500Mi memory).
 */
import { Container, HOSTNAME_LABEL } from '../../protocol/src/index.js';
import type { PodToSchedule, SchedulerNode } from '../../hub/src/scheduler/types.js';

export const ZONES = 10;
/** Anti-affinity groups: 11,000 pods in 8 groups stay under 5,000 per group, so all fit. */
export const GROUPS = 8;

export function makeNodes(count: number): SchedulerNode[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `node-${String(i).padStart(5, '0')}`;
    return {
      name,
      labels: { [HOSTNAME_LABEL]: name, zone: `zone-${i % ZONES}` },
      ready: true,
      unschedulable: false,
      taints: [],
      allocatable: { cpu: 4000, memory: 32 * 2 ** 30, pids: 4096 },
      architecture: 'arm64',
    };
  });
}

const container = Container.parse({ name: 'app', image: 'registry.local/pause:3.9', resources: { requests: { cpu: '100m', memory: '500Mi' } } });

function pod(name: string, labels: Record<string, string>, affinity?: PodToSchedule['spec']['affinity']): PodToSchedule {
  return { name, labels, spec: { containers: [container], nodeSelector: {}, affinity, tolerations: [], topologySpreadConstraints: [] } };
}

export type Workload = (i: number) => PodToSchedule;

/** SchedulingBasic: resources only. */
export const basic: Workload = (i) => pod(`basic-${i}`, { app: 'basic' });

/** SchedulingNodeAffinity: nodes in 10 zones, each pod requiring 3 consecutive zones (1,500 eligible nodes). */
export const nodeAffinity: Workload = (i) =>
  pod(`affinity-${i}`, { app: 'affinity' }, {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [0, 1, 2].map((k) => `zone-${(i + k) % ZONES}`) }] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [],
    },
  });

/** SchedulingPodAntiAffinity: pods in groups, each with required anti-affinity to its own group per hostname. */
export const podAntiAffinity: Workload = (i) => {
  const group = `g${i % GROUPS}`;
  return pod(`anti-${i}`, { group }, {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { group }, matchExpressions: [] }, topologyKey: HOSTNAME_LABEL }],
      preferredDuringSchedulingIgnoredDuringExecution: [],
    },
  });
};
