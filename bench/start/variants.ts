import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuncRuntime } from '../../agent/src/runtime/index.js';
import type { BenchCluster } from '../support/bench-cluster.js';
import { pollUntil } from '../support/interrupts.js';
import type { NodeWatch } from '../support/node-watch.js';
import { TRAPPED_SLEEP, busyboxPod, createPod, deletePod, getPod } from '../support/pod-api.js';
import type { BareRunc, BundleKind } from './bare-runc.js';
import { type StartMarks, readStartMarks } from './start-marks.js';

/** The container every variant runs (see TRAPPED_SLEEP for why not a bare `sleep`). */
export const CONTAINER_COMMAND = TRAPPED_SLEEP;

/** One start of the container and its removal. */
export interface StartSample {
  /** From the first command (or the POST) until the container is seen running. */
  startMs: number;
  /** From the delete until it is gone. */
  deleteMs: number;
  marks?: StartMarks;
}

export interface StartVariant {
  name: string;
  /** `i` numbers the run (unique container ids and pod names); negative for warm-up runs. */
  once(i: number, signal: AbortSignal): Promise<StartSample>;
}

const fast = (signal: AbortSignal) => ({ intervalMs: 2, timeoutMs: 30_000, signal });
const runName = (i: number) => (i < 0 ? `w${-i}` : String(i));

const BUNDLE_NAMES: Record<BundleKind, string> = {
  host: 'host network',
  'new-netns': 'new empty netns',
  'agent-spec': "agent's config.json",
};

/** `runc create` + `runc start` (what the agent's runtime runs), or `runc run --detach`; then `runc state` until running. */
export function bareRuncVariant(bare: BareRunc, options: { bundle: BundleKind; mode: 'create+start' | 'run -d' }): StartVariant {
  const bundle = bare.bundle(options.bundle);
  return {
    name: `bare runc ${options.mode}, ${BUNDLE_NAMES[options.bundle]}`,
    async once(i, signal) {
      const id = `bench-${options.mode === 'run -d' ? 'run' : 'cs'}-${options.bundle}-${runName(i)}`;
      await bare.writeConfig(options.bundle, id);
      const t0 = performance.now();
      if (options.mode === 'run -d') {
        await bare.runc(['run', '--detach', '--bundle', bundle, id]);
      } else {
        await bare.runc(['create', '--bundle', bundle, id]);
        await bare.runc(['start', id]);
      }
      const running = await pollUntil(`${id} running`, async () => ((await bare.status(id)) === 'running' ? performance.now() : undefined), fast(signal));
      const d0 = performance.now();
      await bare.runc(['delete', '--force', id]);
      return { startMs: running - t0, deleteMs: performance.now() - d0 };
    },
  };
}

/**
 * The agent's own runtime layer, RuncRuntime, on the bare bundle with host network:
 * the perl shim (subreaper, exit file) around `runc create`, then `runc start`, then
 * `state` until running — everything the agent adds below the reconciler.
 */
export function shimRuntimeVariant(bare: BareRunc, stateDir: string): StartVariant {
  const runtime = new RuncRuntime({ binary: 'runc', stateDir });
  const bundle = bare.bundle('host');
  const log = join(stateDir, 'container.log');
  const unwrap = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
    if (!r.ok) throw r.error;
    return r.value;
  };
  return {
    name: 'RuncRuntime (perl shim + runc), host network',
    async once(i, signal) {
      const id = `bench-shim-${runName(i)}`;
      await bare.writeConfig('host', id);
      const t0 = performance.now();
      unwrap(await runtime.create(id, { bundle, stdoutPath: log, stderrPath: log }));
      unwrap(await runtime.start(id));
      const running = await pollUntil(`${id} running`, async () => (unwrap(await runtime.state(id))?.status === 'running' ? performance.now() : undefined), fast(signal));
      const d0 = performance.now();
      unwrap(await runtime.delete(id, { force: true }));
      return { startMs: running - t0, deleteMs: performance.now() - d0 };
    },
  };
}

/** SIGTERM's bit in /proc/PID/status SigCgt (signal n is bit n-1). */
const SIGTERM_BIT = 1n << 14n;

/**
 * Waits until the container's init (sh) has installed its TERM trap: a delete that
 * comes a few ms after the start can otherwise beat the trap, and PID 1 then ignores
 * SIGTERM and the agent waits out its 10 s.
 */
async function termTrapInstalled(initPidFile: string, signal: AbortSignal): Promise<void> {
  await pollUntil(
    'the container to install its TERM trap',
    async () => {
      const pid = (await readFile(initPidFile, 'utf8')).trim();
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
      return caught !== undefined && (BigInt(`0x${caught}`) & SIGTERM_BIT) !== 0n ? true : undefined;
    },
    { intervalMs: 2, timeoutMs: 10_000, signal },
  );
}

interface AgentRun {
  sample: StartSample;
  /** The config.json the agent wrote for the container. */
  config: Record<string, unknown>;
}

/**
 * POST a pod pinned to the node, poll the hub's API every 10 ms until phase Running;
 * then (once the container's TERM trap is in) DELETE it and poll (10 ms) until the API
 * says 404 and the agent's pod directory is gone, so the next start begins from nothing.
 */
async function agentRun(where: { cluster: BenchCluster; watch: NodeWatch }, options: { name: string; hostNetwork: boolean; signal: AbortSignal }): Promise<AgentRun> {
  const { cluster } = where;
  const { name, signal } = options;
  const poll = { intervalMs: 10, timeoutMs: 120_000, signal };
  const posted = Date.now();
  const t0 = performance.now();
  const created = await createPod(cluster.api, busyboxPod({ name, nodeName: cluster.nodeName, image: cluster.image, hostNetwork: options.hostNetwork, command: CONTAINER_COMMAND }));
  const running = await pollUntil(`${name} Running`, async () => ((await getPod(cluster.api, name))?.status.phase === 'Running' ? { at: performance.now(), wall: Date.now() } : undefined), poll);
  const { uid } = created.metadata;
  const marks = await readStartMarks(where, { name, uid, posted, running: running.wall });
  const podDir = join(cluster.agentDataDir, 'pods', uid);
  const config = JSON.parse(await readFile(join(podDir, 'containers', 'main', 'bundle', 'config.json'), 'utf8')) as Record<string, unknown>;
  await termTrapInstalled(join(cluster.runtimeStateDir, 'shims', `${uid}-main`, 'init.pid'), signal);
  const d0 = performance.now();
  await deletePod(cluster.api, name);
  const gone = await pollUntil(
    `${name} gone`,
    async () => ((await getPod(cluster.api, name)) === undefined && !(await access(podDir).then(() => true, () => false)) ? performance.now() : undefined),
    poll,
  );
  return { sample: { startMs: running.at - t0, deleteMs: gone - d0, marks }, config };
}

/**
 * The agent end to end (see agentRun). `idleBeforeMs`: wait this long (untimed) before the
 * POST, so the hub and agent have been quiet; without it the POST follows the previous
 * agent run's delete at once, as in a loop of back-to-back starts.
 */
export function agentVariant(where: { cluster: BenchCluster; watch: NodeWatch }, options: { hostNetwork: boolean; idleBeforeMs?: number }): StartVariant {
  const prefix = `${options.hostNetwork ? 'host' : 'net'}${options.idleBeforeMs ? 'i' : 'b'}`;
  const network = options.hostNetwork ? 'hostNetwork' : 'pod network';
  return {
    name: `agent ${network}, ${options.idleBeforeMs ? `${options.idleBeforeMs / 1000} s idle before` : 'back-to-back'}`,
    async once(i, signal) {
      if (options.idleBeforeMs) await new Promise((r) => setTimeout(r, options.idleBeforeMs));
      return (await agentRun(where, { name: `start-${prefix}-${runName(i)}`, hostNetwork: options.hostNetwork, signal })).sample;
    },
  };
}

/** One hostNetwork pod before anything is measured: it pulls the image, and its config.json feeds the `agent-spec` bundle. */
export async function firstAgentRun(where: { cluster: BenchCluster; watch: NodeWatch }, signal: AbortSignal): Promise<AgentRun> {
  return agentRun(where, { name: 'start-first', hostNetwork: true, signal });
}
