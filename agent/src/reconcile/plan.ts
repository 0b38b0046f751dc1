import type { Container } from '../../../protocol/src/index.js';
import { type ContainerRecord, type DesiredPod, type ImageState, type ObservedContainer, type ObservedPod, type PodRecords, containerHash, sandboxHash } from './model.js';
import { shouldRestart } from './restart-policy.js';
import type { Step, StopReason } from './steps.js';

export interface PlanInput {
  desired: readonly DesiredPod[];
  observed: readonly ObservedPod[];
  records: PodRecords;
  images: ImageState;
  now: number;
}

export interface Plan {
  steps: Step[];
  /** When to plan again even if nothing is observed to change (a back-off ends); undefined: no deadline. */
  wakeAt: number | undefined;
}

/**
 * The reconciler's pure core: what to do to move `observed` toward `desired`.
 * Level-triggered and idempotent — the driver runs the steps, observes again
 * and calls `plan` until it returns no steps. Teardown comes before set-up so
 * that resources are freed before new work claims them.
 */
export function plan(input: PlanInput): Plan {
  const steps: Step[] = [];
  const wakes: number[] = [];
  const desiredByUid = new Map(input.desired.map((p) => [p.uid, p]));
  const observedByUid = new Map(input.observed.map((p) => [p.uid, p]));

  for (const observed of input.observed) {
    const want = desiredByUid.get(observed.uid);
    if (want && (observed.sandboxHash === undefined || observed.sandboxHash === sandboxHash(want.spec))) continue;
    teardown(observed, want ? 'SpecChanged' : 'PodDeleted', want === undefined, steps);
  }

  const pulls = new Set<string>();
  for (const want of input.desired) {
    const observed = observedByUid.get(want.uid);
    if (observed?.sandboxHash !== undefined && observed.sandboxHash !== sandboxHash(want.spec)) continue; // torn down first
    if (want.suspended) {
      // Stopped, then removed without recording an exit: the stop is not a crash and must not count as a restart.
      for (const c of observed?.containers ?? []) steps.push(c.state.status === 'running' ? stop(want.uid, c, 'Suspended') : remove(want.uid, c));
      continue;
    }
    for (const c of want.spec.containers) {
      if (input.images.present.has(c.image) || pulls.has(c.image)) continue;
      const blocked = input.images.pullBackoff.get(c.image);
      if (blocked && blocked.notBefore > input.now) {
        wakes.push(blocked.notBefore);
        continue;
      }
      pulls.add(c.image);
      steps.push({ kind: 'pullImage', image: c.image });
    }
    if (!observed || observed.sandboxHash === undefined) {
      steps.push({ kind: 'createSandbox', pod: want });
      continue;
    }
    const records = input.records.get(want.uid) ?? {};
    const wanted = new Set(want.spec.containers.map((c) => c.name));
    for (const extra of observed.containers.filter((c) => !wanted.has(c.name))) {
      steps.push(extra.state.status === 'running' ? stop(want.uid, extra, 'SpecChanged') : remove(want.uid, extra));
    }
    for (const container of want.spec.containers) {
      const current = observed.containers.find((c) => c.name === container.name);
      planContainer({ pod: want, container, current, record: records[container.name], input, steps, wakes });
    }
  }
  const future = wakes.filter((t) => t > input.now);
  return { steps, wakeAt: future.length > 0 ? Math.min(...future) : undefined };
}

interface ContainerContext {
  pod: DesiredPod;
  container: Container;
  current: ObservedContainer | undefined;
  record: ContainerRecord | undefined;
  input: PlanInput;
  steps: Step[];
  wakes: number[];
}

function planContainer({ pod, container, current, record, input, steps, wakes }: ContainerContext): void {
  const imageReady = input.images.present.has(container.image);
  if (current && current.hash !== containerHash(container)) {
    steps.push(current.state.status === 'running' ? stop(pod.uid, current, 'SpecChanged') : remove(pod.uid, current));
    return;
  }
  if (!current) {
    const notBefore = record?.restart.notBefore ?? 0;
    const finished = record?.lastTermination && !shouldRestart(pod.spec.restartPolicy, record.lastTermination.exitCode);
    if (finished) return; // ran to its end before (e.g. before a reboot) and is not to run again
    if (notBefore > input.now) wakes.push(notBefore);
    else if (imageReady) steps.push({ kind: 'startContainer', pod, container });
    return;
  }
  const state = current.state;
  if (state.status === 'created') {
    // Created but never started: the agent stopped between the two. Start afresh.
    steps.push(remove(pod.uid, current));
    return;
  }
  if (state.status === 'running') return;
  const termination = { exitCode: state.exitCode, reason: state.reason, startedAt: state.startedAt, finishedAt: state.finishedAt };
  const willRestart = shouldRestart(pod.spec.restartPolicy, state.exitCode);
  const recorded = record?.lastTermination?.finishedAt === state.finishedAt && record.lastTermination.startedAt === state.startedAt;
  if (!recorded) {
    steps.push({ kind: 'recordExit', podUid: pod.uid, container: container.name, termination, willRestart });
    return;
  }
  if (!willRestart) return;
  const notBefore = record?.restart.notBefore ?? 0;
  if (notBefore > input.now) {
    wakes.push(notBefore);
    return;
  }
  if (!imageReady) return;
  steps.push(remove(pod.uid, current), { kind: 'startContainer', pod, container });
}

function teardown(observed: ObservedPod, reason: 'PodDeleted' | 'SpecChanged', forget: boolean, steps: Step[]): void {
  const running = observed.containers.filter((c) => c.state.status === 'running');
  for (const c of running) steps.push(stop(observed.uid, c, reason));
  if (running.length > 0) return; // the rest once they have stopped
  for (const c of observed.containers) steps.push(remove(observed.uid, c));
  if (observed.sandboxHash !== undefined) steps.push({ kind: 'removeSandbox', podUid: observed.uid });
  if (forget) steps.push({ kind: 'forgetPod', podUid: observed.uid });
}

function stop(podUid: string, c: ObservedContainer, reason: StopReason): Step {
  return { kind: 'stopContainer', podUid, container: c.name, id: c.id, reason };
}

function remove(podUid: string, c: ObservedContainer): Step {
  return { kind: 'removeContainer', podUid, container: c.name, id: c.id };
}
