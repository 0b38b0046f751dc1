import { isDeepStrictEqual } from 'node:util';
import type { DaemonSetSpec, DeploymentSpec } from '../../../protocol/src/index.js';

interface WorkloadBase {
  uid: string;
  name: string;
  labels: Record<string, string>;
  /** 1 at creation, bumped whenever the spec changes. */
  generation: number;
  /** Hub clock, ms. */
  createdAt: number;
}

/** What the hub stores for a Deployment (sublevel `deployments`, keyed by name); the spec is parsed. */
export interface DeploymentRecord extends WorkloadBase {
  kind: 'Deployment';
  spec: DeploymentSpec;
}

/** What the hub stores for a DaemonSet (sublevel `daemonsets`, keyed by name); the spec is parsed. */
export interface DaemonSetRecord extends WorkloadBase {
  kind: 'DaemonSet';
  spec: DaemonSetSpec;
}

export type WorkloadRecord = DeploymentRecord | DaemonSetRecord;
export type WorkloadKind = WorkloadRecord['kind'];

/** A workload as a validated manifest gives it. */
export type WantedWorkload =
  | { kind: 'Deployment'; name: string; labels: Record<string, string>; spec: DeploymentSpec }
  | { kind: 'DaemonSet'; name: string; labels: Record<string, string>; spec: DaemonSetSpec };

/** What an apply did to one object, in kubectl's words. */
export type ApplyAction = 'created' | 'configured' | 'unchanged';

/** Plain JSON comparison: key order and values JSON drops (undefined) are no difference, as in a stored record. */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
}

/**
 * Create-or-update by kind and name, pure: a new workload is created at generation 1;
 * the same spec and labels change nothing; a different spec bumps `generation`
 * (labels alone update the record without a new generation, as in Kubernetes).
 */
export function applyWorkload(wanted: WantedWorkload, options: { prev: WorkloadRecord | undefined; now: number; newUid: () => string }): { action: ApplyAction; record: WorkloadRecord } {
  const { prev } = options;
  if (prev === undefined) {
    return { action: 'created', record: { ...wanted, uid: options.newUid(), generation: 1, createdAt: options.now } as WorkloadRecord };
  }
  const sameSpec = sameJson(prev.spec, wanted.spec);
  if (sameSpec && sameJson(prev.labels, wanted.labels)) return { action: 'unchanged', record: prev };
  const record = { ...prev, labels: wanted.labels, spec: wanted.spec, generation: sameSpec ? prev.generation : prev.generation + 1 } as WorkloadRecord;
  return { action: 'configured', record };
}
