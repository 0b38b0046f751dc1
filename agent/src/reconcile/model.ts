import { createHash } from 'node:crypto';
import type { Container, PodSpec } from '../../../protocol/src/index.js';
import type { RestartState } from './crash-loop.js';

/** A pod the agent must run: from its stored desired state, a static pod file, or `corral run`. */
export interface DesiredPod {
  uid: string;
  name: string;
  spec: PodSpec;
  /**
   * Kept but not run (fenced while the hub is out of reach): its containers are stopped and
   * removed; its sandbox, volumes, logs and restart records stay for when it runs again.
   */
  suspended?: boolean;
}

/** Why a container stopped, in the terms `containerStatuses` use. */
export type TerminationReason = 'Completed' | 'Error' | 'OOMKilled' | 'Killed' | 'LivenessProbeFailed' | 'StartError';

export type ObservedContainerState =
  | { status: 'created' }
  | { status: 'running'; startedAt: number }
  | { status: 'exited'; exitCode: number; reason: TerminationReason; startedAt: number; finishedAt: number };

/** A container as the runtime reports it, with the spec hash it was created from. */
export interface ObservedContainer {
  name: string;
  id: string;
  hash: string;
  state: ObservedContainerState;
}

/** A pod's runtime footprint: its sandbox (network namespace, cgroup parent) and containers. */
export interface ObservedPod {
  uid: string;
  name: string;
  /** Hash of the pod-level spec the sandbox was made for; undefined when no sandbox exists. */
  sandboxHash: string | undefined;
  podIP?: string;
  containers: ObservedContainer[];
}

export interface Termination {
  exitCode: number;
  reason: TerminationReason;
  startedAt: number;
  finishedAt: number;
}

/** What the agent keeps per container between runs (persisted with the pod). */
export interface ContainerRecord {
  restart: RestartState;
  lastTermination?: Termination;
}

export type PodRecords = ReadonlyMap<string, Readonly<Record<string, ContainerRecord>>>;

export interface ImageState {
  /** Whether an image is stored, as a pod spec spells it. */
  present: { has(image: string): boolean };
  /** Images whose last pull failed, with the time before which no new pull is tried. */
  pullBackoff: ReadonlyMap<string, { notBefore: number; message: string }>;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** Hash of what a container was created from; a change means the container is replaced. */
export function containerHash(container: Container): string {
  return digest(container);
}

/** Hash of the pod-level settings a sandbox depends on; a change means the whole pod is recreated. */
export function sandboxHash(spec: PodSpec): string {
  return digest({ hostNetwork: spec.hostNetwork, volumes: spec.volumes, ports: spec.containers.map((c) => c.ports) });
}
