import type { ContainerStatus, PodStatus } from '../../../protocol/src/index.js';
import type { ContainerRecord, DesiredPod, ImageState, ObservedPod } from './model.js';
import { shouldRestart } from './restart-policy.js';

/**
 * The status the agent reports for a pod (DESIGN.md §2), from what it wants,
 * what it observes and what it remembers. Pure.
 */
export function podStatus(
  pod: DesiredPod,
  observed: ObservedPod | undefined,
  context: { records: Readonly<Record<string, ContainerRecord>> | undefined; images: ImageState; now: number },
): PodStatus {
  const statuses: ContainerStatus[] = pod.spec.containers.map((container) => {
    const current = observed?.containers.find((c) => c.name === container.name);
    const record = context.records?.[container.name];
    const base = {
      name: container.name,
      image: container.image,
      restartCount: record?.restart.restarts ?? 0,
      ...(current ? { containerID: current.id } : {}),
      ...(record?.lastTermination ? { lastTermination: record.lastTermination } : {}),
    };
    if (current?.state.status === 'running') {
      return { ...base, ready: true, state: { running: { startedAt: current.state.startedAt } } };
    }
    const last = current?.state.status === 'exited' ? current.state : record?.lastTermination;
    if (last && !shouldRestart(pod.spec.restartPolicy, last.exitCode)) {
      const { exitCode, reason, startedAt, finishedAt } = last;
      return { ...base, ready: false, state: { terminated: { exitCode, reason, startedAt, finishedAt } } };
    }
    return { ...base, ready: false, state: { waiting: waitingReason(container.image, last !== undefined, record, context) } };
  });
  return {
    name: pod.name,
    uid: pod.uid,
    phase: phaseOf(statuses),
    ...(observed?.podIP ? { podIP: observed.podIP } : {}),
    containerStatuses: statuses,
  };
}

function waitingReason(
  image: string,
  exitedBefore: boolean,
  record: ContainerRecord | undefined,
  context: { images: ImageState; now: number },
): { reason: string; message?: string } {
  const pull = context.images.pullBackoff.get(image);
  if (!context.images.present.has(image)) {
    return pull ? { reason: 'ImagePullBackOff', message: pull.message } : { reason: 'ContainerCreating', message: `pulling ${image}` };
  }
  if (exitedBefore && record && record.restart.notBefore > context.now) {
    const seconds = Math.ceil((record.restart.notBefore - context.now) / 1000);
    return { reason: 'CrashLoopBackOff', message: `back-off ${seconds}s restarting failed container` };
  }
  return { reason: 'ContainerCreating' };
}

/** Kubernetes' pod phase rules over the container states. */
export function phaseOf(statuses: readonly ContainerStatus[]): PodStatus['phase'] {
  if (statuses.some((s) => s.state.running)) return 'Running';
  const terminated = statuses.filter((s) => s.state.terminated);
  if (terminated.length === statuses.length && statuses.length > 0) {
    return terminated.every((s) => s.state.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  // Waiting after having run (back-off) still counts as Running, as in Kubernetes.
  if (statuses.some((s) => s.state.waiting?.reason === 'CrashLoopBackOff')) return 'Running';
  return 'Pending';
}
