/**
 * Recovery: how fast a node runs its pods again after a reboot without the hub, how fast the
 * hub replaces a lost node's pod, and what an idle agent writes to flash — each next to a
 * baseline measured in the same run.
 *
 *   make build && npx tsx bench/recovery/recovery.bench.ts     (as root; ~7 min with the defaults)
 *
 * Env: BENCH_RECOVERY_ROUNDS (3) reboots per pod count; BENCH_RECOVERY_LOSS_ROUNDS (2) node
 * losses per mode; BENCH_RECOVERY_IDLE_S (300) the idle-writes window.
 *
 * 1. Offline reboot → all Running, 5 and 20 pods. A real registry + hub + agent (as the e2e
 *    tests start them); N hostNetwork busybox pods pinned to the node (sh with a TERM trap
 *    around sleep), all Running; then the hub is stopped (its embedded broker with it). Each
 *    round "reboots" the node: SIGKILL the agent, then wipe what a power cycle wipes — every
 *    container and its shim, pod cgroups and netns, every mount below the data dir (the pods'
 *    overlay root filesystems), the runtime state dir `<dataDir>/run` (a tmpfs on a device) —
 *    keeping the data dir's LevelDB, images and pod dirs. The agent is started again with the
 *    same arguments; the hub is unreachable, so it must run its pods from LevelDB alone.
 *    Timed from spawning the agent until `runc --root <dataDir>/run/runc/state list -f json`
 *    shows all N containers running (polled every 20 ms; one `runc list` takes ~10 ms, so
 *    read ±30 ms). Baseline: bare runc create+start of N containers one after another on a
 *    busybox rootfs, host network (bench/start/bare-runc.ts), until `runc list` shows them all
 *    running; one bare round after each reboot, after one unmeasured bare warm-up. The agent
 *    figure includes starting Node and the agent (its "agent starting" log line is printed).
 * 2. Node loss → replacement Running. A hub with `--node-grace-seconds 3` and two agents
 *    (heartbeat 1 s, inside the grace), a Deployment of 1 replica with `onNodeLost:
 *    {policy: reschedule, lostAfterSeconds: 5}`. Each round takes the pod's node away and times
 *    until this process's API poll (every 50 ms) sees a replacement Running on the other node;
 *    the hub's log says when it marked the node NotReady and deleted the pod. Two modes:
 *      kill    SIGKILL the agent: on one machine the kernel closes its TCP connection, the
 *              broker publishes the last will, the node is NotReady at once; the configured
 *              bound is then lostAfterSeconds (counted from NotReady) + the workload
 *              controller's tick (1 s) + scheduling and a container start on the survivor.
 *      freeze  SIGSTOP the agent: the connection stays open and silent, as when a real device
 *              loses power or its network (no FIN reaches the broker), so the heartbeat grace
 *              has to notice: bound = grace (3 s, swept every 0.75 s) + lostAfterSeconds + the same.
 *    Ratios: measured / lostAfterSeconds and measured / (detection + lostAfterSeconds), detection
 *    being 0 for kill and the grace for freeze. `--node-lost-seconds` only changes the phase
 *    shown (Lost); workloads count their own lostAfterSeconds from NotReady. The dead agent's
 *    container keeps running (nothing stops it on a dead device); between rounds the agent is
 *    started again, is Ready and has stopped the moved pod's container. Victims alternate.
 * 3. Idle flash writes per hour: in the 5-pod cluster of (1) before its hub is stopped (hub
 *    connected, default 5 s heartbeat), after 10 s of settling, /proc/PID/io of the agent over
 *    the window: write_bytes (page-cache pages its writes dirtied, what reaches storage),
 *    wchar (bytes through write(2) on any fd: LevelDB, log, MQTT socket), syscw (write calls);
 *    extrapolated to an hour and a day. Baseline in the same window: a Node process doing what a
 *    naive agent would, a LevelDB (`level`, defaults: no fsync) with a ~1 KiB state record put
 *    on every 5 s heartbeat. /proc/PID/io counts a process and the children it has reaped (the
 *    kernel adds a reaped child's counters to the parent's, so the agent's short runc and mount
 *    runs are in its figures) but no child still alive: the perl shims are sampled and printed
 *    apart, the containers are not counted. Also the agent's write_bytes steps (looked at every
 *    5 s), and the growth of both LevelDB directories and the files that changed.
 *
 * Numbers are for reading, never asserted. Everything (containers, shims, cgroups, mounts,
 * processes, temp dirs) is removed on exit and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tempDir } from '../../test/support/daemons.js';
import { BareRunc } from '../start/bare-runc.js';
import { startBenchCluster } from '../support/bench-cluster.js';
import { CleanupStack, trapInterrupts } from '../support/interrupts.js';
import { TRAPPED_SLEEP } from '../support/pod-api.js';
import { HEARTBEAT_MS, type IdleWrites, measureIdleWrites } from './idle-writes.js';
import { type LossResult, measureNodeLoss } from './node-loss.js';
import { type RebootResult, measureOfflineReboots, runPods } from './offline-reboot.js';
import { type Findings, report } from './report.js';

const exec = promisify(execFile);
const POD_COUNTS = [5, 20] as const;
const IDLE_SETTLE_MS = 10_000;

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** One cluster with `pods` pods: the idle window first when asked (hub still up), then the offline reboots. */
async function rebootCluster(options: { pods: number; rounds: number; bare: BareRunc; idle?: { seconds: number; workDir: string }; signal: AbortSignal }): Promise<{ reboot: RebootResult; idle?: IdleWrites }> {
  process.stderr.write(`starting registry, hub and agent for ${options.pods} pods…\n`);
  const cluster = await startBenchCluster({ nodeName: `bench-recovery-${options.pods}`, signal: options.signal });
  try {
    await runPods(cluster, { count: options.pods, prefix: `boot${options.pods}`, signal: options.signal });
    const idle = options.idle
      ? await measureIdleWrites(cluster, { pods: options.pods, seconds: options.idle.seconds, settleMs: IDLE_SETTLE_MS, workDir: options.idle.workDir, signal: options.signal })
      : undefined;
    process.stderr.write(`offline reboots, ${options.pods} pods (hub stopped):\n`);
    const reboot = await measureOfflineReboots(cluster, { pods: options.pods, rounds: options.rounds, bare: options.bare, signal: options.signal });
    return { reboot, ...(idle ? { idle } : {}) };
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const { signal, release } = trapInterrupts();
  const cleanup = new CleanupStack();
  const begun = performance.now();
  const findings: Findings = { reboots: [], loadBefore: loadavg().map((l) => l.toFixed(2)).join(' '), heartbeatMs: HEARTBEAT_MS };
  try {
    const rounds = envInt('BENCH_RECOVERY_ROUNDS', 3);
    const lossRounds = envInt('BENCH_RECOVERY_LOSS_ROUNDS', 2);
    const idleSeconds = envInt('BENCH_RECOVERY_IDLE_S', 300);
    findings.runcVersion = (await exec('runc', ['--version'])).stdout.split('\n')[0] ?? 'runc';
    const work = await tempDir('bench-recovery');
    cleanup.defer('remove the work directory', () => work.remove());
    const bare = await BareRunc.prepare(join(work.path, 'bare'), { tag: randomBytes(3).toString('hex'), args: TRAPPED_SLEEP });
    cleanup.defer('remove the bare runc containers', () => bare.removeAll());
    try {
      for (const pods of POD_COUNTS) {
        const idle = pods === POD_COUNTS[0] ? { seconds: idleSeconds, workDir: join(work.path, 'idle') } : undefined;
        const result = await rebootCluster({ pods, rounds, bare, ...(idle ? { idle } : {}), signal });
        findings.reboots.push(result.reboot);
        if (result.idle) findings.idle = result.idle;
      }
      process.stderr.write('node loss: registry, hub and two agents…\n');
      const loss: LossResult = await measureNodeLoss({ rounds: lossRounds, signal });
      findings.loss = loss;
    } catch (error) {
      if (!signal.aborted) throw error;
      findings.interrupted = (signal.reason as Error).message;
    }
    findings.minutes = (performance.now() - begun) / 60_000;
    findings.cores = cpus().length;
    report(findings);
  } finally {
    process.stderr.write('cleaning up…\n');
    await cleanup.run();
    release();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`recovery bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
