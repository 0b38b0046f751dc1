import { createHash } from 'node:crypto';
import { type PodSpec, type PodTemplate, templateSpec } from '../../../protocol/src/index.js';
import type { NewPod, PodOwner } from '../pods/index.js';
import type { WorkloadKind, WorkloadRecord } from './workload-record.js';

/** Label on every pod a workload made, naming it: `corral.io/deployment=web`, `corral.io/daemonset=agent-metrics`. */
export const OWNER_LABEL: Record<WorkloadKind, string> = { Deployment: 'corral.io/deployment', DaemonSet: 'corral.io/daemonset' };
/** Label on every pod a workload made: the hash of the template it was made from (Kubernetes' pod-template-hash). */
export const TEMPLATE_HASH_LABEL = 'corral.io/template-hash';

/** Kubernetes' alphabet for generated names: no vowels (no words), no 0/1/3 (no look-alikes). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with keys sorted at every level, so equal values hash equal whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A 10-character hash of a pod template (parsed form): pods made from an older template have another. */
export function templateHash(template: PodTemplate): string {
  const digest = createHash('sha256').update(canonicalJson(template)).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += ALPHABET[(digest[i] ?? 0) % ALPHABET.length];
  return out;
}

/** Five characters of the alphabet from `random` (values in [0, 1)). */
export function nameSuffix(random: () => number): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += ALPHABET[Math.min(ALPHABET.length - 1, Math.floor(random() * ALPHABET.length))];
  return out;
}

/**
 * `<workload>-<5 characters>`, not among `taken` (the pod names in use). Gives up after
 * 100 draws (27⁵ names: only a broken `random` gets there) and returns undefined.
 */
export function podName(workload: string, options: { taken: (name: string) => boolean; random: () => number }): string | undefined {
  for (let attempt = 0; attempt < 100; attempt++) {
    const name = `${workload}-${nameSuffix(options.random)}`;
    if (!options.taken(name)) return name;
  }
  return undefined;
}

/** The owner reference of a workload's pods. */
export function ownerOf(workload: WorkloadRecord): PodOwner {
  return { kind: workload.kind, name: workload.name, uid: workload.uid };
}

/**
 * A pod of `workload` from its template: the template's labels plus the owner and
 * template-hash labels, the template's spec (bound to `nodeName` for a DaemonSet's pod).
 */
export function newOwnedPod(workload: WorkloadRecord, options: { name: string; hash: string; nodeName?: string }): NewPod {
  const template = workload.spec.template;
  const spec: PodSpec = templateSpec(template);
  return {
    name: options.name,
    labels: { ...template.metadata.labels, [OWNER_LABEL[workload.kind]]: workload.name, [TEMPLATE_HASH_LABEL]: options.hash },
    spec: options.nodeName === undefined ? spec : { ...spec, nodeName: options.nodeName },
    owner: ownerOf(workload),
  };
}
