/**
 * Valid inputs the fuzzers mutate: one or more CBOR payloads per message kind
 * and YAML manifests of every kind. Seeds for `desired` are tried in both the
 * plain and the envelope form (its format may change): whichever
 * `decodeMessage('desired', …)` accepts is used.
 */
import { sampleMessages } from '../../bench/protocol/samples.js';
import { decodeMessage } from '../../protocol/src/codec.js';
import { type MessageKind, messageSchemas } from '../../protocol/src/schemas.js';
import { encodeCbor } from './cbor-write.js';

export const messageKindsToFuzz = Object.keys(messageSchemas) as MessageKind[];

export interface SeedOptions {
  /** The node named inside payloads that carry one (`desired`). */
  node: string;
  /** The agent identity in `events` and `ack` (a foreign one makes every ack a counted drop). */
  uid: string;
  /** Generation of the `desired` seeds. */
  generation: number;
}

const T0 = 1_732_521_600_000;

/** A pod entry of a desired state / the spec of a manifest: every optional field used once. */
export const podSpecSeed = {
  hostNetwork: false,
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 5,
  nodeSelector: { 'fuzz.corral.io/never': 'true' },
  volumes: [{ name: 'cache', emptyDir: { sizeLimit: '64Mi' } }, { name: 'data', hostPath: { path: '/srv/data' } }],
  containers: [
    {
      name: 'main',
      image: 'registry.local:5000/sensors/reader:1.4.2',
      command: ['sh', '-c'],
      args: ['echo ok; sleep 3600'],
      env: [{ name: 'MODE', value: 'fuzz' }],
      workingDir: '/srv',
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      resources: { requests: { cpu: '50m', memory: '16Mi' }, limits: { cpu: '250m', memory: '64Mi', pids: 64 } },
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
      volumeMounts: [{ name: 'cache', mountPath: '/cache' }, { name: 'data', mountPath: '/data', readOnly: true }],
      devices: [{ hostPath: '/dev/i2c-1', permissions: 'rw' }],
      securityContext: { runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true },
    },
  ],
};

/** Candidate values for one kind; callers keep the ones the current schema accepts. */
function candidates(kind: MessageKind, o: SeedOptions): unknown[] {
  const samples = sampleMessages.filter((s) => s.kind === kind).map((s) => s.message as unknown);
  const body = {
    v: 1,
    node: o.node,
    ts: T0,
    generation: o.generation,
    pods: [{ uid: 'f0f0f0f0-0000-4000-8000-000000000001', name: 'fuzz-pod', labels: { app: 'fuzz' }, spec: podSpecSeed }],
    cronJobs: [{ uid: 'f0f0f0f0-0000-4000-8000-000000000002', name: 'fuzz-job', spec: { schedule: '*/5 * * * *', template: { containers: [{ name: 'run', image: 'busybox', command: ['true'] }] } } }],
  };
  switch (kind) {
    case 'desired': {
      const envelope = (b: unknown, sig?: Uint8Array) => ({ v: 1, node: o.node, generation: o.generation, body: encodeCbor(b), ...(sig ? { sig: Buffer.from(sig) } : {}) });
      const { node: _n, ...withoutNode } = body;
      return [envelope(body), envelope(body, new Uint8Array(64).fill(7)), envelope({ ...body, pods: [] }), body, withoutNode];
    }
    case 'events':
      return [
        {
          v: 1,
          ts: T0,
          uid: o.uid,
          events: [
            { seq: 1, ts: T0, type: 'ContainerStarted', priority: 'low', pod: 'fuzz-pod', podUid: 'f0f0', container: 'main' },
            { seq: 2, ts: T0 + 1, type: 'ContainerExited', priority: 'high', pod: 'fuzz-pod', container: 'main', exitCode: 137, reason: 'OOMKilled', message: 'out of memory' },
            { seq: 3, ts: T0 + 2, type: 'CronRun', priority: 'high', run: { job: 'fuzz-job', jobUid: 'f0f0', run: 'fuzz-job-1', scheduledAt: T0, startedAt: T0, finishedAt: T0 + 5, status: 'Failed', exitCode: 1, logTail: ['boom'] } },
            { seq: 4, ts: T0 + 3, type: 'EventsDropped', priority: 'high', count: 12 },
          ],
        },
      ];
    case 'ack':
      return [{ v: 1, ts: T0, uid: o.uid, upTo: 3 }];
    case 'cmd':
      return [...samples, { v: 1, id: 'c-logs', ts: T0, op: 'logs', pod: 'fuzz-pod', container: 'main', tail: 20 }, { v: 1, id: 'c-trigger', ts: T0, op: 'trigger', job: 'fuzz-job' }];
    case 'reply':
      return [...samples, { v: 1, id: 'c-logs', ts: T0, ok: true, result: { container: 'main', lines: ['a', 'b'], truncated: false } }];
    default:
      return samples;
  }
}

/** Valid encodings per kind, checked against the current schemas (a kind without one fails loudly). */
export function seedPayloads(options: SeedOptions): Record<MessageKind, Buffer[]> {
  const out = {} as Record<MessageKind, Buffer[]>;
  for (const kind of messageKindsToFuzz) {
    const valid = candidates(kind, options)
      .map((c) => encodeCbor(c))
      .filter((p) => decodeMessage(kind, p).ok);
    if (valid.length === 0) throw new Error(`no valid ${kind} seed: update test/support/fuzz-seeds.ts for the current schema`);
    out[kind] = valid;
  }
  return out;
}

const podTemplateYaml = `    metadata: {labels: {app: fuzz}}
    nodeSelector: {fuzz.corral.io/never: "true"}
    terminationGracePeriodSeconds: 1
    containers:
      - name: main
        image: busybox
        command: [sh, -c, 'echo ok; sleep 3600']
        env: [{name: MODE, value: fuzz}]
        resources: {requests: {cpu: 50m, memory: 16Mi}, limits: {memory: 32Mi}}
        livenessProbe: {exec: {command: ["true"]}}
`;

/** YAML manifests of every kind (each placed nowhere: `nodeSelector` matches no node). */
export const manifestSeeds: readonly string[] = [
  `apiVersion: corral/v1
kind: Pod
metadata:
  name: fuzz-pod
  labels: {app: fuzz}
spec:
  nodeSelector: {fuzz.corral.io/never: "true"}
  volumes:
    - {name: cache, emptyDir: {sizeLimit: 64Mi}}
  containers:
    - name: main
      image: busybox:1
      command: [sh, -c]
      args: ['echo ok; sleep 3600']
      ports: [{containerPort: 8080}]
      volumeMounts: [{name: cache, mountPath: /cache}]
      resources:
        requests: {cpu: 50m, memory: 16Mi}
        limits: {cpu: "0.5", memory: 64Mi, pids: 32}
      securityContext: {runAsUser: 1000, readOnlyRootFilesystem: true}
`,
  `apiVersion: corral/v1
kind: Deployment
metadata: {name: fuzz-web}
spec:
  replicas: 2
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 25%}}
  onNodeLost: {policy: reschedule, lostAfterSeconds: 60}
  template:
${podTemplateYaml}`,
  `apiVersion: corral/v1
kind: DaemonSet
metadata: {name: fuzz-agent, labels: {tier: node}}
spec:
  onNodeLost: keep
  template:
${podTemplateYaml}`,
  `apiVersion: corral/v1
kind: CronJob
metadata: {name: fuzz-job}
spec:
  schedule: "*/5 * * * *"
  timeZone: Europe/Berlin
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 60
  template:
    restartPolicy: OnFailure
${podTemplateYaml.replace('sleep 3600', 'true')}`,
];
