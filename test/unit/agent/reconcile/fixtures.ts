import { PodSpec, type PodSpecInput } from '../../../../protocol/src/index.js';
import { freshRestartState } from '../../../../agent/src/reconcile/crash-loop.js';
import { type ContainerRecord, type DesiredPod, type ImageState, type ObservedContainerState, type ObservedPod, containerHash, sandboxHash } from '../../../../agent/src/reconcile/model.js';

export const IMAGE = '127.0.0.1:5000/busybox:1';

export function pod(name: string, spec: Partial<PodSpecInput> = {}): DesiredPod {
  return { uid: `uid-${name}`, name, spec: PodSpec.parse({ containers: [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }], ...spec }) };
}

export const imagesPresent: ImageState = { present: new Set([IMAGE]), pullBackoff: new Map() };
export const noImages: ImageState = { present: new Set(), pullBackoff: new Map() };

/** The pod as the runtime would show it with every container in `state`. */
export function observedAs(p: DesiredPod, state: ObservedContainerState | undefined): ObservedPod {
  return {
    uid: p.uid,
    name: p.name,
    sandboxHash: sandboxHash(p.spec),
    containers: state ? p.spec.containers.map((c) => ({ name: c.name, id: `${p.name}-${c.name}`, hash: containerHash(c), state })) : [],
  };
}

export function recordOf(overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  return { restart: freshRestartState, ...overrides };
}
