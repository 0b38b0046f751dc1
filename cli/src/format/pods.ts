import type { ApiPod } from '../pod-object.js';
import { age, humanDuration } from './age.js';
import { formatTable } from './table.js';

/** Columns of `corral get pods`; `-o wide` appends the wide ones. */
export const POD_COLUMNS = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'NODE'] as const;
export const POD_WIDE_COLUMNS = ['IP', 'IMAGES'] as const;

/** `ready/total` containers; total is the spec's, since a container the node has not started yet is not ready. */
export function podReady(pod: ApiPod): string {
  const ready = pod.status.containerStatuses.filter((c) => c.ready).length;
  return `${ready}/${pod.spec.containers.length}`;
}

/**
 * The STATUS column, by kubectl's rules (`printPod`): the phase, unless a
 * container has a reason to show — waiting (CrashLoopBackOff, ImagePullBackOff,
 * ContainerCreating…) or terminated (OOMKilled, Error, Completed; `Signal:N` or
 * `ExitCode:N` without a reason). Containers are visited last to first, so the
 * first container with a reason wins. A pod reported Completed while another of
 * its containers is still running and ready shows Running.
 */
export function podStatus(pod: ApiPod): string {
  let reason: string = pod.status.phase;
  let hasRunning = false;
  for (const container of [...pod.status.containerStatuses].reverse()) {
    const { waiting, terminated, running } = container.state;
    if (waiting?.reason) reason = waiting.reason;
    else if (terminated?.reason) reason = terminated.reason;
    else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
    else if (container.ready && running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) reason = 'Running';
  return reason;
}

/** Total restarts, with how long ago the last container stopped when there were any: `3 (45s ago)`, like kubectl. */
export function podRestarts(pod: ApiPod, now: number): string {
  let restarts = 0;
  let lastFinished: number | undefined;
  for (const c of pod.status.containerStatuses) {
    restarts += c.restartCount;
    const finished = c.lastTermination?.finishedAt;
    if (finished !== undefined && (lastFinished === undefined || finished > lastFinished)) lastFinished = finished;
  }
  if (restarts === 0 || lastFinished === undefined) return String(restarts);
  return `${restarts} (${humanDuration(now - lastFinished)} ago)`;
}

/** One `get pods` row, in POD_COLUMNS order (plus POD_WIDE_COLUMNS when `wide`). */
export function podRow(pod: ApiPod, now: number, wide = false): string[] {
  const row = [pod.metadata.name, podReady(pod), podStatus(pod), podRestarts(pod, now), age(pod.metadata.creationTimestamp, now), pod.spec.nodeName ?? '<none>'];
  if (wide) row.push(pod.status.podIP ?? '<none>', pod.spec.containers.map((c) => c.image).join(','));
  return row;
}

/** The whole `get pods` table, header included. */
export function formatPodTable(pods: readonly ApiPod[], now: number, wide = false): string {
  const headers: string[] = wide ? [...POD_COLUMNS, ...POD_WIDE_COLUMNS] : [...POD_COLUMNS];
  return formatTable(
    headers,
    pods.map((p) => podRow(p, now, wide)),
  );
}
