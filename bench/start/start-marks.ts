import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchCluster } from '../support/bench-cluster.js';
import type { NodeWatch } from '../support/node-watch.js';

/**
 * When what happened during one agent pod start, read from outside: the hub's
 * log, a bystander MQTT subscriber (NodeWatch), and the times of files the
 * agent and its shim write on the way (birth and modification times). All are
 * wall-clock ms on this machine; missing marks are NaN.
 */
export interface StartMarks {
  posted: number;
  /** Hub log: `desired state committed` (put) for the pod. */
  committed: number;
  /** The desired state with that generation reached a subscriber on the broker (≈ the agent). */
  desiredDelivered: number;
  /** `pods/<uid>/` made: createSandbox began (after the agent's LevelDB write, an observe and a plan). */
  sandboxBegun: number;
  /** `pods/<uid>/sandbox.json` written: createSandbox done (the CNI set-up is between the two). */
  sandboxDone: number;
  /** `pods/<uid>/containers/main/` made: startContainer began (rootfs overlay first). */
  containerBegun: number;
  /** `containers/main/container.json` written: overlay mounted, OCI spec written, next is the runtime. */
  specWritten: number;
  /** The shim's `shim.pid`: perl is up and has compiled the shim script. */
  shimRunning: number;
  /** The shim's `runtime.log` made: `runc create` is running (runc opens its --log at start). */
  runcCreateBegun: number;
  /** `init.pid` written by `runc create`. */
  created: number;
  /** The `started` file: `runc start` returned. */
  started: number;
  /** A state report saying Running reached a subscriber on the broker (≈ the hub). */
  stateRunning: number;
  /** This process saw phase Running in the hub's API (10 ms polls). */
  running: number;
}

export const STAGES: ReadonlyArray<{ label: string; from: keyof StartMarks; to: keyof StartMarks }> = [
  { label: 'POST → hub commits the desired state', from: 'posted', to: 'committed' },
  { label: 'hub publishes → desired delivered (MQTT)', from: 'committed', to: 'desiredDelivered' },
  { label: 'agent: LevelDB write, observe, plan', from: 'desiredDelivered', to: 'sandboxBegun' },
  { label: 'createSandbox (dirs; CNI for pod network)', from: 'sandboxBegun', to: 'sandboxDone' },
  { label: 'observe again, plan → startContainer', from: 'sandboxDone', to: 'containerBegun' },
  { label: 'rootfs overlay mount, OCI spec', from: 'containerBegun', to: 'specWritten' },
  { label: 'spawn the perl shim (perl start-up)', from: 'specWritten', to: 'shimRunning' },
  { label: 'shim → runc create starts', from: 'shimRunning', to: 'runcCreateBegun' },
  { label: 'runc create', from: 'runcCreateBegun', to: 'created' },
  { label: 'shim report, runc start', from: 'created', to: 'started' },
  { label: 'observe (runc state), publish state', from: 'started', to: 'stateRunning' },
  { label: 'hub → API → 10 ms poll sees Running', from: 'stateRunning', to: 'running' },
];

async function birth(path: string): Promise<number> {
  return stat(path).then((s) => s.birthtimeMs || Number.NaN, () => Number.NaN);
}

async function modified(path: string): Promise<number> {
  return stat(path).then((s) => s.mtimeMs, () => Number.NaN);
}

/** Reads the marks of a running pod (before it is deleted: the files go with it). */
export async function readStartMarks(
  where: { cluster: BenchCluster; watch: NodeWatch },
  pod: { name: string; uid: string; posted: number; running: number },
): Promise<StartMarks> {
  const { cluster, watch } = where;
  const podDir = join(cluster.agentDataDir, 'pods', pod.uid);
  const containerDir = join(podDir, 'containers', 'main');
  const shimDir = join(cluster.runtimeStateDir, 'shims', `${pod.uid}-main`);
  const committed = cluster.hubLog.find('desired state committed', { since: pod.posted - 1, match: (e) => e.pod === pod.name && e.change === 'put' });
  const generation = typeof committed?.generation === 'number' ? committed.generation : undefined;
  return {
    posted: pod.posted,
    committed: committed?.time ?? Number.NaN,
    desiredDelivered: (generation !== undefined ? watch.desiredAt(generation) : undefined) ?? Number.NaN,
    sandboxBegun: await birth(podDir),
    sandboxDone: await modified(join(podDir, 'sandbox.json')),
    containerBegun: await birth(containerDir),
    specWritten: await modified(join(containerDir, 'container.json')),
    shimRunning: await modified(join(shimDir, 'shim.pid')),
    runcCreateBegun: await birth(join(shimDir, 'runtime.log')),
    created: await modified(join(shimDir, 'init.pid')),
    started: await modified(join(shimDir, 'started')),
    stateRunning: watch.runningAt(pod.uid) ?? Number.NaN,
    running: pod.running,
  };
}
