import { API_VERSION, type ContainerStatus, type NodeList, NodeObject } from '../../../protocol/src/index.js';
import { ApiPod, type ApiPodList } from '../../../cli/src/pod-object.js';

/** A fixed clock for the formatting tests: 2024-06-01T12:00:00Z. */
export const NOW = Date.parse('2024-06-01T12:00:00Z');

export interface NodeOptions {
  name?: string;
  labels?: Record<string, string>;
  unschedulable?: boolean;
  taints?: NodeObject['spec']['taints'];
  phase?: NodeObject['status']['phase'];
  architecture?: string;
  variant?: string;
  createdAgoMs?: number;
  withUsage?: boolean;
}

/** A Node the hub could serve; parsed through the protocol schema so a fixture can never drift from the contract. */
export function makeNode(options: NodeOptions = {}): NodeObject {
  const name = options.name ?? 'pi-kitchen';
  const node = {
    apiVersion: API_VERSION,
    kind: 'Node',
    metadata: {
      name,
      uid: '6f1c2a9e-8d3b-4c1e-9a57-2b8e4f0d1c3a',
      labels: options.labels ?? { zone: 'kitchen', 'corral.dev/arch': 'arm' },
      creationTimestamp: new Date(NOW - (options.createdAgoMs ?? 3 * 86_400_000)).toISOString(),
    },
    spec: { unschedulable: options.unschedulable ?? false, taints: options.taints ?? [] },
    status: {
      phase: options.phase ?? 'Ready',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'AgentReady',
          message: 'agent is posting heartbeats',
          lastHeartbeatTime: '2024-06-01T11:59:55Z',
          lastTransitionTime: '2024-05-29T12:00:00Z',
        },
      ],
      capacity: { cpu: 4000, memory: 4 * 2 ** 30, pids: 4096 },
      allocatable: { cpu: 3500, memory: 3.5 * 2 ** 30, pids: 4000 },
      nodeInfo: {
        architecture: options.architecture ?? 'arm',
        ...(options.variant === undefined ? {} : { variant: options.variant }),
        os: 'linux',
        osImage: 'Raspbian GNU/Linux 12 (bookworm)',
        kernel: '6.6.31+rpt-rpi-v7',
        cgroupVersion: 'v2',
        runtime: { name: 'crun', version: '1.14.4' },
        agentVersion: '0.1.0',
        hostname: name,
      },
      ...(options.withUsage
        ? {
            usage: { cpu: 350, memory: 1.2 * 2 ** 30, memoryAvailable: 2.3 * 2 ** 30 },
            agent: { cpu: 12, memory: 40 * 2 ** 20, messagesDropped: 3 },
          }
        : {}),
    },
  };
  return NodeObject.parse(node);
}

export function makeList(items: NodeObject[]): NodeList {
  return { apiVersion: API_VERSION, kind: 'List', items };
}

export interface PodOptions {
  name?: string;
  node?: string;
  phase?: ApiPod['status']['phase'];
  containers?: Array<{ name: string; image: string }>;
  statuses?: ContainerStatus[];
  podIP?: string;
  createdAgoMs?: number;
  observedGeneration?: number;
}

/** A Pod the hub could serve (spec in manifest form, as the API sends it), parsed through the CLI's schema. */
export function makePodJson(options: PodOptions = {}): unknown {
  const name = options.name ?? 'web';
  return {
    apiVersion: API_VERSION,
    kind: 'Pod',
    metadata: {
      name,
      uid: '7d3c1b2a-0e9f-4a8b-b6c5-d4e3f2a1b0c9',
      labels: { run: name },
      creationTimestamp: new Date(NOW - (options.createdAgoMs ?? 5 * 60_000)).toISOString(),
      generation: 1,
    },
    spec: {
      nodeName: options.node ?? 'pi-kitchen',
      restartPolicy: 'Always',
      containers: (options.containers ?? [{ name, image: 'busybox:1.36' }]).map((c) => ({
        ...c,
        command: ['sleep', '3600'],
        env: [{ name: 'MODE', value: 'edge' }],
        ports: [{ containerPort: 8080, hostPort: 18080, protocol: 'TCP' }],
        resources: { limits: { cpu: '200m', memory: '32Mi', pids: 50 }, requests: { cpu: '100m' } },
      })),
    },
    status: {
      name,
      uid: '7d3c1b2a-0e9f-4a8b-b6c5-d4e3f2a1b0c9',
      phase: options.phase ?? 'Running',
      ...(options.podIP === undefined ? {} : { podIP: options.podIP }),
      containerStatuses: options.statuses ?? [],
      ...(options.observedGeneration === undefined ? {} : { observedGeneration: options.observedGeneration }),
    },
  };
}

export function makePod(options: PodOptions = {}): ApiPod {
  return ApiPod.parse(makePodJson(options));
}

export function makePodList(items: unknown[]): ApiPodList {
  return { apiVersion: API_VERSION, kind: 'List', items: items.map((i) => ApiPod.parse(i)) };
}

/** A container status: running and ready, or in the given waiting/terminated state. */
export function containerStatus(name: string, overrides: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, image: 'busybox:1.36', ready: true, restartCount: 0, state: { running: { startedAt: NOW - 60_000 } }, ...overrides };
}

/** A writable that remembers everything written to it. */
export class Capture {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}
