import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { removeAgentLeftovers } from '../../test/support/agent-leftovers.js';
import { type Daemon, startAgent } from '../../test/support/daemons.js';
import { unmountBelow } from '../../test/e2e/harness/volatile-state.js';
import type { BareRunc } from '../start/bare-runc.js';
import type { BenchCluster } from '../support/bench-cluster.js';
import { DaemonLog } from '../support/daemon-log.js';
import { CleanupStack, pollUntil } from '../support/interrupts.js';
import { busyboxPod, createPod, getPod } from '../support/pod-api.js';
import { pidsByCommandLine } from '../support/proc-sample.js';

const exec = promisify(execFile);
/** How often `runc list` is asked while the pods come back. */
export const POLL_MS = 20;
/** A reboot whose pods are not all running after this counts as failed. */
const REBOOT_TIMEOUT_MS = 120_000;

/** One timed "reboot" of the agent, ms from spawning it. */
export interface RebootSample {
  allRunningMs: number;
  firstRunningMs: number;
  /** Until the agent logged "agent starting" (store open, node detected), when found. */
  agentStartingMs: number | undefined;
}

export interface RebootResult {
  pods: number;
  agent: RebootSample[];
  /** Bare runc create+start of the same number of containers, one after another; ms. */
  bare: number[];
  /** Set when a reboot did not bring every pod back: what happened and the agent's last log lines. */
  failure?: { round: number; message: string; log: string[] };
}

/** `runc list -f json` of `root`: how many containers are running (0 when the root does not exist yet). */
export async function runningContainers(root: string): Promise<number> {
  const { stdout } = await exec('runc', ['--root', root, 'list', '-f', 'json']).catch(() => ({ stdout: 'null' }));
  const list = (JSON.parse(stdout.trim() || 'null') as Array<{ status?: string }> | null) ?? [];
  return list.filter((c) => c.status === 'running').length;
}

/** Creates `count` hostNetwork busybox pods (TRAPPED_SLEEP) pinned to the cluster's node and waits until the hub says all are Running. */
export async function runPods(cluster: BenchCluster, options: { count: number; prefix: string; signal: AbortSignal }): Promise<string[]> {
  const names = Array.from({ length: options.count }, (_, i) => `${options.prefix}-${i}`);
  for (const name of names) await createPod(cluster.api, busyboxPod({ name, nodeName: cluster.nodeName, image: cluster.image, hostNetwork: true }));
  for (const name of names) {
    await pollUntil(`${name} Running`, async () => ((await getPod(cluster.api, name))?.status.phase === 'Running' ? true : undefined), {
      intervalMs: 100,
      timeoutMs: 120_000,
      signal: options.signal,
    });
  }
  return names;
}

/**
 * What a power cycle of the node wipes, after the agent was SIGKILLed: every container
 * (runc state in `<dataDir>/run`), their shims, pod netns and cgroups, every mount below
 * the data dir (the pods' overlay root filesystems), the runtime state dir (a tmpfs on a
 * device) and the pod bridge. LevelDB (`<dataDir>/state`), images and pod dirs stay: they are on disk.
 */
export async function powerCycleWipe(cluster: BenchCluster): Promise<void> {
  const dataDir = cluster.agentDataDir;
  await removeAgentLeftovers(dataDir, cluster.subnet);
  const shimPrefix = `corral-shim ${join(cluster.runtimeStateDir, 'shims')}/`;
  const shims = await pollUntil<number[]>('the shims to exit with their containers', async () => ((await pidsByCommandLine(shimPrefix)).length === 0 ? [] : undefined), {
    intervalMs: 50,
    timeoutMs: 2000,
  }).catch(() => pidsByCommandLine(shimPrefix));
  // A power cut takes them too; these pids are the agent's shims (their command line names its state dir).
  for (const pid of shims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  const failures = await unmountBelow(dataDir);
  if (failures.length > 0) throw new Error(`power-cycle wipe: ${failures.join('; ')}`);
  await rm(join(dataDir, 'run'), { recursive: true, force: true });
  await exec('ip', ['link', 'del', cluster.bridge]).catch(() => undefined);
  const left = await runningContainers(join(cluster.runtimeStateDir, 'state'));
  if (left > 0) throw new Error(`power-cycle wipe: ${left} containers still running`);
}

/** The agent's last log lines, for a report. */
function logTail(agent: Daemon, lines = 20): string[] {
  return agent.log().split('\n').filter(Boolean).slice(-lines);
}

/** Kills the agent, wipes what a reboot wipes, starts it again and times until runc shows `pods` containers running. */
async function rebootOnce(cluster: BenchCluster, node: { agent: Daemon }, options: { pods: number; signal: AbortSignal }): Promise<RebootSample> {
  node.agent.signal('SIGKILL');
  await node.agent.exited;
  await powerCycleWipe(cluster);
  const root = join(cluster.runtimeStateDir, 'state');
  const wall0 = Date.now();
  const t0 = performance.now();
  const agent = startAgent(cluster.agentOptions);
  node.agent = agent;
  const log = new DaemonLog(agent);
  let firstRunningMs: number | undefined;
  for (;;) {
    options.signal.throwIfAborted();
    const running = await runningContainers(root);
    const at = performance.now() - t0;
    if (running > 0) firstRunningMs ??= at;
    if (running >= options.pods) {
      const starting = log.find('agent starting', { since: wall0 });
      return { allRunningMs: at, firstRunningMs: firstRunningMs ?? at, agentStartingMs: starting ? starting.time - wall0 : undefined };
    }
    if (!agent.alive) throw new Error(`the agent exited after the reboot (${running}/${options.pods} running)`);
    if (at > REBOOT_TIMEOUT_MS) throw new Error(`${running}/${options.pods} containers running ${REBOOT_TIMEOUT_MS / 1000} s after the agent started`);
    await sleep(POLL_MS);
  }
}

/** `count` containers created and started one after another with bare runc (host network), then until `runc list` shows them all running; ms. */
async function bareOnce(bare: BareRunc, options: { count: number; round: number }): Promise<number> {
  const ids = Array.from({ length: options.count }, (_, i) => `rb${options.count}-${options.round}-${i}`);
  const t0 = performance.now();
  for (const id of ids) {
    await bare.writeConfig('host', id);
    await bare.runc(['create', '--bundle', bare.bundle('host'), id]);
    await bare.runc(['start', id]);
  }
  while ((await runningContainers(bare.root)) < options.count) await sleep(POLL_MS);
  const elapsed = performance.now() - t0;
  await bare.removeAll();
  return elapsed;
}

/**
 * With the cluster's pods running: stops the hub (and its embedded broker), then `rounds`
 * times a power cycle of the agent's node and the bare runc baseline, interleaved so
 * background load hits both alike (one unmeasured bare warm-up first). A reboot that does
 * not bring every pod back ends the rounds; the result says why.
 */
export async function measureOfflineReboots(cluster: BenchCluster, options: { pods: number; rounds: number; bare: BareRunc; signal: AbortSignal }): Promise<RebootResult> {
  const result: RebootResult = { pods: options.pods, agent: [], bare: [] };
  const cleanup = new CleanupStack();
  const node = { agent: cluster.agent };
  cleanup.defer('stop the restarted agent', () => node.agent.stop('SIGKILL'));
  try {
    await cluster.hub.daemon.stop();
    await bareOnce(options.bare, { count: options.pods, round: -1 });
    for (let round = 0; round < options.rounds; round += 1) {
      process.stderr.write(`  ${options.pods} pods, round ${round + 1}/${options.rounds}: reboot`);
      try {
        const sample = await rebootOnce(cluster, node, { pods: options.pods, signal: options.signal });
        result.agent.push(sample);
        process.stderr.write(` ${(sample.allRunningMs / 1000).toFixed(2)} s`);
      } catch (error) {
        if (options.signal.aborted) throw error;
        process.stderr.write(' FAILED\n');
        result.failure = { round: round + 1, message: (error as Error).message, log: logTail(node.agent) };
        break;
      }
      const bareMs = await bareOnce(options.bare, { count: options.pods, round });
      result.bare.push(bareMs);
      process.stderr.write(`, bare runc ${(bareMs / 1000).toFixed(2)} s\n`);
    }
    return result;
  } finally {
    await cleanup.run();
  }
}
