import { API_VERSION, type PodSpecInput, type PodTemplate, templateSpec, toWirePodSpec } from '../../../protocol/src/index.js';
import type { OwnedPod } from './steps.js';
import type { DaemonSetRecord, DeploymentRecord, WorkloadRecord } from './workload-record.js';

export interface DeploymentStatus {
  /** The generation the controller last planned for; absent until it has. */
  observedGeneration?: number;
  /** Pods of the Deployment, any template. */
  replicas: number;
  /** Pods of the current template. */
  updatedReplicas: number;
  readyReplicas: number;
  /** Ready pods (Corral has no minReadySeconds: available means ready). */
  availableReplicas: number;
  unavailableReplicas: number;
  /** Pods no node has taken yet. */
  pendingReplicas: number;
}

export interface DaemonSetStatus {
  observedGeneration?: number;
  /** Nodes that match the template's placement. */
  desiredNumberScheduled: number;
  /** Of those, nodes that have a pod of the DaemonSet. */
  currentNumberScheduled: number;
  /** Of those, nodes whose pod is of the current template. */
  updatedNumberScheduled: number;
  numberReady: number;
  numberAvailable: number;
  numberUnavailable: number;
  /** Pods on nodes the DaemonSet no longer wants. */
  numberMisscheduled: number;
}

/** The pod template in manifest form (`cpu: "250m"`), so the served object can be applied again. */
export type PodTemplateInput = PodSpecInput & { metadata: PodTemplate['metadata'] };

interface WorkloadApiBase {
  apiVersion: typeof API_VERSION;
  metadata: { name: string; uid: string; labels: Record<string, string>; generation: number; creationTimestamp: string };
}

export interface DeploymentApiObject extends WorkloadApiBase {
  kind: 'Deployment';
  spec: Omit<DeploymentRecord['spec'], 'template'> & { template: PodTemplateInput };
  status: DeploymentStatus;
}

export interface DaemonSetApiObject extends WorkloadApiBase {
  kind: 'DaemonSet';
  spec: Omit<DaemonSetRecord['spec'], 'template'> & { template: PodTemplateInput };
  status: DaemonSetStatus;
}

export type WorkloadApiObject = DeploymentApiObject | DaemonSetApiObject;

export function templateManifestForm(template: PodTemplate): PodTemplateInput {
  return { ...toWirePodSpec(templateSpec(template)), metadata: template.metadata };
}

function metadata(record: WorkloadRecord): WorkloadApiBase['metadata'] {
  return { name: record.name, uid: record.uid, labels: record.labels, generation: record.generation, creationTimestamp: new Date(record.createdAt).toISOString() };
}

/** A Deployment's status from its pods (`hash`: its current template's). Pure. */
export function deploymentStatus(record: DeploymentRecord, observed: { pods: readonly OwnedPod[]; hash: string; observedGeneration?: number | undefined }): DeploymentStatus {
  const { pods, hash, observedGeneration } = observed;
  const ready = pods.filter((p) => p.ready).length;
  return {
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    replicas: pods.length,
    updatedReplicas: pods.filter((p) => p.hash === hash).length,
    readyReplicas: ready,
    availableReplicas: ready,
    unavailableReplicas: Math.max(0, record.spec.replicas - ready),
    pendingReplicas: pods.filter((p) => p.nodeName === undefined).length,
  };
}

/** A DaemonSet's status from its pods and the nodes it wants (`eligible`, by name). Pure. */
export function daemonSetStatus(observed: { pods: readonly OwnedPod[]; eligible: readonly string[]; hash: string; observedGeneration?: number | undefined }): DaemonSetStatus {
  const { pods, eligible, hash, observedGeneration } = observed;
  const wanted = new Set(eligible);
  const placed = pods.filter((p) => p.nodeName !== undefined && wanted.has(p.nodeName));
  const nodesWith = (pick: (p: OwnedPod) => boolean) => new Set(placed.filter(pick).map((p) => p.nodeName)).size;
  const ready = nodesWith((p) => p.ready);
  return {
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    desiredNumberScheduled: wanted.size,
    currentNumberScheduled: nodesWith(() => true),
    updatedNumberScheduled: nodesWith((p) => p.hash === hash),
    numberReady: ready,
    numberAvailable: ready,
    numberUnavailable: wanted.size - ready,
    numberMisscheduled: new Set(pods.filter((p) => p.nodeName !== undefined && !wanted.has(p.nodeName)).map((p) => p.nodeName)).size,
  };
}

export function toDeploymentObject(record: DeploymentRecord, status: DeploymentStatus): DeploymentApiObject {
  return { apiVersion: API_VERSION, kind: 'Deployment', metadata: metadata(record), spec: { ...record.spec, template: templateManifestForm(record.spec.template) }, status };
}

export function toDaemonSetObject(record: DaemonSetRecord, status: DaemonSetStatus): DaemonSetApiObject {
  return { apiVersion: API_VERSION, kind: 'DaemonSet', metadata: metadata(record), spec: { ...record.spec, template: templateManifestForm(record.spec.template) }, status };
}
