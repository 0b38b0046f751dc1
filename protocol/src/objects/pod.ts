import { z } from 'zod';
import { Labels } from '../labels.js';
import { PodStatus } from '../messages.js';
import { parseCpu, parseMemory } from '../quantity.js';
import { API_VERSION } from './node.js';
import { placementFields } from './placement.js';

/** DNS-1123 label, as Kubernetes names containers, volumes and pods. */
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case alphanumerics and "-", at most 63');
const port = z.number().int().min(1).max(65535);

const cpuQuantity = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const parsed = parseCpu(value);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: parsed.error.message });
  return z.NEVER;
});

const memoryQuantity = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const parsed = parseMemory(value);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: parsed.error.message });
  return z.NEVER;
});

/** `{cpu: "250m", memory: "64Mi", pids: 100}` in manifests; millicores and bytes once parsed. */
export const ResourceQuantities = z.strictObject({
  cpu: cpuQuantity.optional(),
  memory: memoryQuantity.optional(),
  pids: z.number().int().positive().optional(),
});

const probeAction = {
  exec: z.strictObject({ command: z.array(z.string()).min(1) }).optional(),
  httpGet: z.strictObject({ path: z.string().startsWith('/').default('/'), port, host: z.string().optional() }).optional(),
  tcpSocket: z.strictObject({ port, host: z.string().optional() }).optional(),
};

export const Probe = z
  .strictObject({
    ...probeAction,
    initialDelaySeconds: z.number().int().nonnegative().default(0),
    periodSeconds: z.number().int().positive().default(10),
    timeoutSeconds: z.number().int().positive().default(1),
    failureThreshold: z.number().int().positive().default(3),
  })
  .refine((p) => [p.exec, p.httpGet, p.tcpSocket].filter(Boolean).length === 1, 'exactly one of exec, httpGet or tcpSocket');
export type Probe = z.output<typeof Probe>;

export const Container = z.strictObject({
  name: dnsLabel,
  image: z.string().min(1).max(512),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a shell variable name'), value: z.string().default('') })).default([]),
  workingDir: z.string().startsWith('/').optional(),
  ports: z
    .array(z.strictObject({ name: z.string().optional(), containerPort: port, hostPort: port.optional(), protocol: z.enum(['TCP', 'UDP']).default('TCP') }))
    .default([]),
  resources: z.strictObject({ requests: ResourceQuantities.default({}), limits: ResourceQuantities.default({}) }).default({ requests: {}, limits: {} }),
  livenessProbe: Probe.optional(),
  volumeMounts: z.array(z.strictObject({ name: dnsLabel, mountPath: z.string().startsWith('/'), readOnly: z.boolean().default(false) })).default([]),
  /** Host devices made available to the container (edge hardware: /dev/i2c-1, /dev/video0…). */
  devices: z
    .array(z.strictObject({ hostPath: z.string().startsWith('/dev/'), containerPath: z.string().startsWith('/dev/').optional(), permissions: z.string().regex(/^r?w?m?$/).default('rw') }))
    .default([]),
  securityContext: z
    .strictObject({
      runAsUser: z.number().int().nonnegative().optional(),
      runAsGroup: z.number().int().nonnegative().optional(),
      readOnlyRootFilesystem: z.boolean().default(false),
    })
    .default({ readOnlyRootFilesystem: false }),
});
export type Container = z.output<typeof Container>;

export const Volume = z
  .strictObject({
    name: dnsLabel,
    emptyDir: z.strictObject({ sizeLimit: memoryQuantity.optional() }).optional(),
    hostPath: z.strictObject({ path: z.string().startsWith('/') }).optional(),
  })
  .refine((v) => (v.emptyDir ? 1 : 0) + (v.hostPath ? 1 : 0) === 1, 'exactly one of emptyDir or hostPath');
export type Volume = z.output<typeof Volume>;

const podSpecShape = {
  containers: z.array(Container).min(1).max(16),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).default('Always'),
  hostNetwork: z.boolean().default(false),
  volumes: z.array(Volume).default([]),
  nodeName: z.string().optional(),
  terminationGracePeriodSeconds: z.number().int().nonnegative().default(10),
  /**
   * While the hub is unreachable: `stopAfterSeconds` after the agent's last contact the pod is
   * stopped (fenced), so a singleton the hub moves elsewhere does not run twice (docs/offline.md).
   */
  offline: z.strictObject({ stopAfterSeconds: z.number().int().positive() }).optional(),
  ...placementFields,
};

/** Cross-field rules of a pod spec: unique container names, mounts naming declared volumes. */
function checkPodSpec(spec: { containers: Array<{ name: string; volumeMounts: Array<{ name: string }> }>; volumes: Array<{ name: string }> }, ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  const volumes = new Set(spec.volumes.map((v) => v.name));
  spec.containers.forEach((c, i) => {
    if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: ['containers', i, 'name'], message: `duplicate container name "${c.name}"` });
    names.add(c.name);
    c.volumeMounts.forEach((m, j) => {
      if (!volumes.has(m.name)) ctx.addIssue({ code: 'custom', path: ['containers', i, 'volumeMounts', j, 'name'], message: `no volume named "${m.name}" in spec.volumes` });
    });
  });
}

export const PodSpec = z.strictObject(podSpecShape).superRefine(checkPodSpec);
export type PodSpec = z.output<typeof PodSpec>;
export type PodSpecInput = z.input<typeof PodSpec>;

/** A workload's pod template: a pod spec plus the labels its pods get (`spec.template.containers[0]…`). */
export const PodTemplate = z
  .strictObject({ ...podSpecShape, metadata: z.strictObject({ labels: Labels.default({}) }).default({ labels: {} }) })
  .superRefine(checkPodSpec);
export type PodTemplate = z.output<typeof PodTemplate>;

/** The pod spec of a template (without its metadata). */
export function templateSpec(template: PodTemplate): PodSpec {
  const { metadata: _m, ...spec } = template;
  return spec;
}

export const PodObject = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Pod'),
  metadata: z.object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a DNS subdomain'),
    labels: Labels.default({}),
    uid: z.string().optional(),
    generation: z.number().int().nonnegative().optional(),
  }),
  spec: PodSpec,
  status: PodStatus.optional(),
});
export type PodObject = z.output<typeof PodObject>;
