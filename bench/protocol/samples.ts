/**
 * Realistic, deterministic wire messages of every kind, shared by the protocol
 * benchmark and the unit tests. Treat them as read-only: clone before mutating.
 */
import { createHash } from 'node:crypto';
import type {
  CommandMessage,
  HeartbeatMessage,
  MessageKind,
  MessageOf,
  PodStatus,
  ReplyMessage,
  StateMessage,
  StatusMessage,
} from '../../protocol/src/index.js';

/** 2024-11-25T08:00:00Z; every timestamp is an offset from it. */
const T0 = 1_732_521_600_000;
const MiB = 2 ** 20;

/** A stable 64-hex-digit container ID. */
const hex64 = (seed: string): string => createHash('sha256').update(seed).digest('hex');
/** A stable RFC 4122 version-4 UUID. */
const uuid = (seed: string): string => {
  const h = hex64(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const workloads = [
  { app: 'sensor-reader', image: 'registry.local:5000/sensors/reader:1.4.2' },
  { app: 'modbus-bridge', image: 'registry.local:5000/field/modbus-bridge:0.9.0' },
  { app: 'mqtt-forwarder', image: 'registry.local:5000/infra/mqtt-forwarder:2.1.1' },
  { app: 'camera-capture', image: 'registry.local:5000/vision/capture:3.0.0-rc.2' },
  { app: 'edge-inference', image: 'registry.local:5000/vision/inference:2024.11.1' },
] as const;

const podNames = Array.from({ length: 10 }, (_, i) => `${workloads[i % workloads.length]!.app}-${hex64(`pod-${i}`).slice(0, 5)}`);

export const heartbeatSample: HeartbeatMessage = {
  v: 1,
  ts: T0 + 42_000,
  seq: 8_417,
  node: { cpu: 1_375, memory: 2_811 * MiB, memoryAvailable: 4_969 * MiB },
  agent: { cpu: 12, memory: 48 * MiB, messagesDropped: 3 },
  pods: podNames.map((name, i) => ({ name, cpu: 40 + 97 * i, memory: (24 + 31 * i) * MiB })),
};

function podStatus(i: number): PodStatus {
  const name = podNames[i]!;
  const started = T0 - 3_600_000 * (i + 1);
  const pending = i === 9;
  return {
    name,
    uid: uuid(`pod-uid-${i}`),
    phase: pending ? 'Pending' : 'Running',
    podIP: `10.88.0.${12 + i}`,
    startTime: started,
    containerStatuses: [
      {
        name: workloads[i % workloads.length]!.app.split('-')[0]!,
        image: workloads[i % workloads.length]!.image,
        ...(pending ? {} : { containerID: hex64(`ctr-${i}-main`) }),
        ready: !pending,
        restartCount: i % 3,
        state: pending
          ? { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${workloads[i % workloads.length]!.image}"` } }
          : { running: { startedAt: started + 1_250 } },
        ...(i % 3 === 0
          ? {}
          : { lastTermination: { exitCode: 137, signal: 9, reason: 'OOMKilled', startedAt: started - 600_000, finishedAt: started - 1_000 } }),
      },
      {
        name: 'log-shipper',
        image: 'registry.local:5000/infra/fluent-bit:3.0.7',
        containerID: hex64(`ctr-${i}-sidecar`),
        ready: true,
        restartCount: 0,
        state: { running: { startedAt: started + 980 } },
      },
    ],
  };
}

export const stateSample: StateMessage = { v: 1, ts: T0 + 43_000, observedGeneration: 27, pods: podNames.map((_, i) => podStatus(i)) };

export const statusOnlineSample: StatusMessage = {
  v: 1,
  ts: T0,
  uid: uuid('node-edge-rpi-07'),
  session: 3_000_001,
  online: true,
  info: {
    architecture: 'arm64',
    variant: 'v8',
    os: 'linux',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    kernel: '6.6.51+rpt-rpi-v8',
    cgroupVersion: 'v2',
    runtime: { name: 'crun', version: '1.14.4' },
    agentVersion: '0.1.0',
    hostname: 'edge-rpi-07',
  },
  labels: { 'corral.io/zone': 'greenhouse-2', hardware: 'rpi4', 'sensors.example.com/camera': 'true' },
  capacity: { cpu: 4_000, memory: 8_192 * MiB, pids: 4_096 },
  allocatable: { cpu: 3_500, memory: 7_424 * MiB, pids: 3_584 },
};

export const statusOfflineSample: StatusMessage = {
  v: 1,
  ts: T0 + 50_000,
  uid: uuid('node-edge-rpi-07'),
  session: 3_000_001,
  online: false,
  reason: 'connection-lost',
};

export const cmdPingSample: CommandMessage = { v: 1, id: 'c1f0a9e2-ping-0001', ts: T0 + 44_000, op: 'ping' };

export const replyOkSample: ReplyMessage = {
  v: 1,
  id: 'c1f0a9e2-ping-0001',
  ts: T0 + 44_012,
  ok: true,
  result: { agentVersion: '0.1.0', uptimeSeconds: 3_600.25 },
};

export const replyErrorSample: ReplyMessage = {
  v: 1,
  id: 'c1f0a9e2-ping-0002',
  ts: T0 + 45_003,
  ok: false,
  error: { code: 'CORRAL_COMMAND_FAILED', message: 'runtime crun not responding' },
};

export type SampleMessage = { [K in MessageKind]: { kind: K; name: string; message: MessageOf<K> } }[MessageKind];

/** Every sample, each with its kind and a short name for test titles. */
export const sampleMessages: readonly SampleMessage[] = [
  { kind: 'status', name: 'status online', message: statusOnlineSample },
  { kind: 'status', name: 'status offline', message: statusOfflineSample },
  { kind: 'heartbeat', name: 'heartbeat with 10 pods', message: heartbeatSample },
  { kind: 'heartbeat', name: 'heartbeat without pods', message: { ...heartbeatSample, pods: [] } },
  { kind: 'state', name: 'state with 10 pods', message: stateSample },
  { kind: 'state', name: 'state without pods', message: { ...stateSample, pods: [] } },
  { kind: 'cmd', name: 'cmd ping', message: cmdPingSample },
  { kind: 'reply', name: 'reply ok', message: replyOkSample },
  { kind: 'reply', name: 'reply error', message: replyErrorSample },
];
