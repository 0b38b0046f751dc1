/**
 * The agent's idle footprint against a Node process doing nothing, measured in the same run.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/footprint/footprint.bench.ts     (as root)
 *
 * A real registry + hub + agent (started as the e2e tests start them, agent at its default
 * log level and heartbeat) and, next to it, `node -e "setInterval(()=>{},1<<30)"`. Three idle
 * windows, each after a settle period, both processes sampled side by side:
 *   0 pods      the agent just connected;
 *   N pods      N hostNetwork busybox pods (sh + sleep) running;
 *   0 again     after the N pods were deleted (what the agent kept).
 * Per window: VmRSS (/proc/PID/status, every second: mean and max), CPU (/proc/PID/stat
 * utime+stime as % of one core; "+children" adds cutime+cstime, the runc/perl/mount processes
 * the agent ran and reaped), the perl shims' RSS and PSS (one per container, outside the agent), and
 * writes: /proc/PID/io write_bytes (storage) and wchar (every write(2): files, MQTT, logs), and
 * which files under the agent's data dir changed.
 *
 * Env: BENCH_FOOTPRINT_WINDOW_S (30), BENCH_FOOTPRINT_SETTLE_S (10), BENCH_FOOTPRINT_PODS (10).
 * Numbers are for reading, never asserted.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Daemon } from '../../test/support/daemons.js';
import { type BenchCluster, startBenchCluster } from '../support/bench-cluster.js';
import { CleanupStack, pollUntil, trapInterrupts } from '../support/interrupts.js';
import { busyboxPod, createPod, deletePod, getPod } from '../support/pod-api.js';
import { type ProcSample, clockTicksPerSecond, fileSnapshot, pidsByCommandLine, pssKiB, sampleProc } from '../support/proc-sample.js';
import { formatTable, ratio } from '../support/table.js';

const MiB = 1024 * 1024;
/** Not walked: container root filesystems (overlay mounts of the image tree) and their upper layers. */
const SNAPSHOT_SKIP = new Set(['rootfs', 'overlay']);

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

interface Usage {
  rssMeanMiB: number;
  rssMaxMiB: number;
  /** % of one core. */
  cpu: number;
  cpuWithChildren: number;
  writeBytes: number;
  wchar: number;
  syscw: number;
}

interface WindowResult {
  label: string;
  seconds: number;
  agent: Usage;
  node: Usage;
  shims: { count: number; rssMiB: number; pssMiB: number };
  dataDir: { changed: string[]; grownBytes: number };
}

interface WindowContext {
  cluster: BenchCluster;
  nodePid: number;
  windowMs: number;
  ticksPerSecond: number;
  signal: AbortSignal;
}

const meanMiB = (kib: number[]) => kib.reduce((s, x) => s + x, 0) / kib.length / 1024;

function usage(first: ProcSample, last: ProcSample, options: { rss: number[]; seconds: number; ticksPerSecond: number }): Usage {
  const pct = (ticks: number) => (ticks / options.ticksPerSecond / options.seconds) * 100;
  return {
    rssMeanMiB: meanMiB(options.rss),
    rssMaxMiB: Math.max(...options.rss) / 1024,
    cpu: pct(last.cpuTicks - first.cpuTicks),
    cpuWithChildren: pct(last.cpuTicks - first.cpuTicks + last.childTicks - first.childTicks),
    writeBytes: last.writeBytes - first.writeBytes,
    wchar: last.wchar - first.wchar,
    syscw: last.syscw - first.syscw,
  };
}

async function measureWindow(label: string, ctx: WindowContext): Promise<WindowResult> {
  const agentPid = ctx.cluster.agent.proc.pid!;
  const shimPrefix = `corral-shim ${join(ctx.cluster.runtimeStateDir, 'shims')}/`;
  const before = await fileSnapshot(ctx.cluster.agentDataDir, SNAPSHOT_SKIP);
  const firstAgent = await sampleProc(agentPid);
  const firstNode = await sampleProc(ctx.nodePid);
  const t0 = performance.now();
  if (!firstAgent || !firstNode) throw new Error('the agent or the bare node process is gone');
  const rss = { agent: [] as number[], node: [] as number[], shims: [] as number[] };
  const shimPss: number[] = [];
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  let shimCount = 0;
  for (let next = t0; ; ) {
    const [a, n] = await Promise.all([sampleProc(agentPid), sampleProc(ctx.nodePid)]);
    if (a) rss.agent.push(a.rssKiB);
    if (n) rss.node.push(n.rssKiB);
    const shims = await pidsByCommandLine(shimPrefix);
    shimCount = shims.length;
    rss.shims.push(sum(await Promise.all(shims.map(async (pid) => (await sampleProc(pid))?.rssKiB ?? 0))));
    shimPss.push(sum(await Promise.all(shims.map(async (pid) => (await pssKiB(pid)) ?? 0))));
    next += 1000;
    if (next - t0 > ctx.windowMs) break;
    await sleep(Math.max(0, next - performance.now()), undefined, { signal: ctx.signal });
  }
  await sleep(Math.max(0, t0 + ctx.windowMs - performance.now()), undefined, { signal: ctx.signal });
  const lastAgent = await sampleProc(agentPid);
  const lastNode = await sampleProc(ctx.nodePid);
  const seconds = (performance.now() - t0) / 1000;
  const after = await fileSnapshot(ctx.cluster.agentDataDir, SNAPSHOT_SKIP);
  if (!lastAgent || !lastNode) throw new Error('the agent or the bare node process is gone');
  const changed: string[] = [];
  let grownBytes = 0;
  for (const [path, now] of after) {
    const then = before.get(path);
    if (then && then.size === now.size && then.mtimeMs === now.mtimeMs) continue;
    changed.push(relative(ctx.cluster.agentDataDir, path));
    grownBytes += Math.max(0, now.size - (then?.size ?? 0));
  }
  const per = { seconds, ticksPerSecond: ctx.ticksPerSecond };
  return {
    label,
    seconds,
    agent: usage(firstAgent, lastAgent, { ...per, rss: rss.agent }),
    node: usage(firstNode, lastNode, { ...per, rss: rss.node }),
    shims: { count: shimCount, rssMiB: meanMiB(rss.shims), pssMiB: meanMiB(shimPss) },
    dataDir: { changed, grownBytes },
  };
}

async function runPods(cluster: BenchCluster, options: { count: number; signal: AbortSignal }): Promise<string[]> {
  const names = Array.from({ length: options.count }, (_, i) => `idle-${i}`);
  for (const name of names) await createPod(cluster.api, busyboxPod({ name, nodeName: cluster.nodeName, image: cluster.image, hostNetwork: true }));
  for (const name of names) {
    await pollUntil(`${name} Running`, async () => ((await getPod(cluster.api, name))?.status.phase === 'Running' ? true : undefined), { intervalMs: 100, timeoutMs: 120_000, signal: options.signal });
  }
  return names;
}

async function deletePods(cluster: BenchCluster, options: { names: string[]; signal: AbortSignal }): Promise<void> {
  for (const name of options.names) await deletePod(cluster.api, name);
  await pollUntil(
    'every pod torn down',
    async () => ((await readdir(join(cluster.agentDataDir, 'pods')).catch(() => [])).length === 0 ? true : undefined),
    { intervalMs: 100, timeoutMs: 120_000, signal: options.signal },
  );
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');
const kib = (n: number) => (n / 1024).toFixed(1);

function report(results: WindowResult[], context: { settleS: number; windowS: number; pods: number; loadBefore: string; interrupted?: string }): void {
  console.log(`\nnode ${process.version}, ${cpus().length} cores; windows of ${context.windowS} s after ${context.settleS} s settling; ${context.pods} pods in the busy window`);
  console.log(`load average before ${context.loadBefore}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}${context.interrupted ? `; ${context.interrupted} (partial results)` : ''}`);
  console.log('\nIdle footprint (CPU: % of one core over the window; +children: with the processes it ran and reaped)\n');
  const rows = results.flatMap((r) => [
    [r.label, 'bare node (setInterval)', f1(r.node.rssMeanMiB), f1(r.node.rssMaxMiB), '', f2(r.node.cpu), f2(r.node.cpuWithChildren)],
    [r.label, 'agent', f1(r.agent.rssMeanMiB), f1(r.agent.rssMaxMiB), '', f2(r.agent.cpu), f2(r.agent.cpuWithChildren)],
    ...(r.shims.count > 0 ? [[r.label, `${r.shims.count} perl shims (sum)`, f1(r.shims.rssMiB), '', f1(r.shims.pssMiB), '', '']] : []),
  ]);
  console.log(formatTable(['window', 'process', 'RSS mean MiB', 'RSS max MiB', 'PSS MiB', 'CPU %', '+children CPU %'], rows, { textColumns: 2 }));
  console.log('(PSS only for the shims: they share perl\'s pages among themselves, so their RSS sum overstates them; agent and');
  console.log('bare node are compared by RSS, as a device runs one Node process and other Node processes here share its pages)');

  console.log('\nAgent / bare node (CPU ratios over a near-zero baseline: 1 tick = 10 ms per window, so read the % above)\n');
  console.log(
    formatTable(
      ['window', 'RSS', 'RSS + shims PSS', 'CPU', '+children CPU'],
      results.map((r) => [
        r.label,
        ratio(r.agent.rssMeanMiB / r.node.rssMeanMiB),
        ratio((r.agent.rssMeanMiB + r.shims.pssMiB) / r.node.rssMeanMiB),
        r.node.cpu > 0 ? ratio(r.agent.cpu / r.node.cpu) : `${f2(r.agent.cpu)}% vs 0`,
        r.node.cpuWithChildren > 0 ? ratio(r.agent.cpuWithChildren / r.node.cpuWithChildren) : `${f2(r.agent.cpuWithChildren)}% vs 0`,
      ]),
    ),
  );

  console.log('\nWrites while idle (agent process: /proc/PID/io; data dir: files whose size or mtime changed)\n');
  console.log(
    formatTable(
      ['window', 'write_bytes KiB', 'per day MiB', 'wchar KiB', 'write calls', 'files changed', 'grown KiB', 'bare node write_bytes KiB'],
      results.map((r) => [
        r.label,
        kib(r.agent.writeBytes),
        f1((r.agent.writeBytes / r.seconds) * 86_400 / MiB),
        kib(r.agent.wchar),
        String(r.agent.syscw),
        String(r.dataDir.changed.length),
        kib(r.dataDir.grownBytes),
        kib(r.node.writeBytes),
      ]),
    ),
  );
  for (const r of results) if (r.dataDir.changed.length > 0) console.log(`  ${r.label}: ${r.dataDir.changed.slice(0, 8).join(', ')}${r.dataDir.changed.length > 8 ? ', …' : ''}`);
}

async function main(): Promise<void> {
  const { signal, release } = trapInterrupts();
  const cleanup = new CleanupStack();
  const windowS = envInt('BENCH_FOOTPRINT_WINDOW_S', 30);
  const settleS = envInt('BENCH_FOOTPRINT_SETTLE_S', 10);
  const pods = envInt('BENCH_FOOTPRINT_PODS', 10);
  const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
  const results: WindowResult[] = [];
  let interrupted: string | undefined;
  try {
    process.stderr.write('starting registry, hub, agent and the bare node process…\n');
    const node = new Daemon('bare node', spawn(process.execPath, ['-e', 'setInterval(()=>{},1<<30)'], { stdio: 'ignore' }));
    cleanup.defer('stop the bare node process', () => node.stop());
    const cluster = await startBenchCluster({ nodeName: 'bench-footprint', signal });
    cleanup.defer('stop the cluster', () => cluster.stop());
    const ctx: WindowContext = { cluster, nodePid: node.proc.pid!, windowMs: windowS * 1000, ticksPerSecond: await clockTicksPerSecond(), signal };
    try {
      const window = async (label: string) => {
        process.stderr.write(`${label}: settling ${settleS} s, measuring ${windowS} s\n`);
        await sleep(settleS * 1000, undefined, { signal });
        results.push(await measureWindow(label, ctx));
      };
      await window('0 pods');
      const names = await runPods(cluster, { count: pods, signal });
      await window(`${pods} pods`);
      await deletePods(cluster, { names, signal });
      await window('0 pods again');
    } catch (error) {
      if (!signal.aborted) throw error;
      interrupted = (signal.reason as Error).message;
    }
    report(results, { settleS, windowS, pods, loadBefore, ...(interrupted ? { interrupted } : {}) });
  } finally {
    process.stderr.write('cleaning up…\n');
    await cleanup.run();
    release();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`footprint bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
