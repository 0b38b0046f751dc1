/**
 * "50 sequential starts of the same busybox container": bare runc against the agent.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/start/start.bench.ts     (as root)
 *
 * Env: BENCH_STARTS (default 50) runs per variant; BENCH_START_BUDGET_S (default 200):
 * no new round starts after this many seconds of measuring, so a slow or busy machine
 * still finishes in ~5 min (the tables say how many runs each variant got).
 *
 * Every variant runs the same command in the same busybox files (CONTAINER_COMMAND:
 * sh with a TERM trap around `sleep 3600`). One run of each variant per round, interleaved
 * so background load hits all alike, after 2 warm-up rounds:
 *   bare runc create+start, host network   `runc spec`'s config.json without the network
 *                                          namespace (hostNetwork-like), read-only busybox rootfs;
 *                                          timed from spawning `runc create` until `runc state`
 *                                          says running, then `runc delete --force`
 *   bare runc run -d, host network         the same with `runc run --detach`
 *   bare runc create+start, new empty netns  runc's default: a fresh netns (loopback only) per container
 *   bare runc create+start, agent's config.json  the config.json the agent wrote for a hostNetwork
 *                                          pod (capabilities, mounts, cgroups), on the bare rootfs
 *   RuncRuntime (perl shim + runc)         the agent's runtime class on the host-network bundle
 *   agent hostNetwork / pod network        a real registry + hub + agent started as the e2e tests
 *                                          start them; POST a pod pinned to the node, poll GET every
 *                                          10 ms until phase Running; then DELETE and poll until 404
 *                                          and the agent's pod dir is gone. Each twice per round:
 *                                          after 0.5 s of quiet, then back-to-back right after that
 *                                          delete (as a loop of starts runs). A first pod before the
 *                                          warm-up pulls the image (its time is printed).
 * Deletes are not in the start times; they get their own table. Numbers are for reading,
 * never asserted.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../../test/support/daemons.js';
import { startBenchCluster } from '../support/bench-cluster.js';
import { CleanupStack, trapInterrupts } from '../support/interrupts.js';
import { NodeWatch } from '../support/node-watch.js';
import { type Summary, summarize } from '../support/stats.js';
import { formatTable, ms, ratio } from '../support/table.js';
import { BareRunc, removeRuncContainers } from './bare-runc.js';
import { STAGES } from './start-marks.js';
import { CONTAINER_COMMAND, type StartSample, type StartVariant, agentVariant, bareRuncVariant, firstAgentRun, shimRuntimeVariant } from './variants.js';

const exec = promisify(execFile);
const WARMUP_RUNS = 2;
/** The issue's goal: agent p50 at most this many times bare runc's. */
const GOAL_RATIO = 1.5;
/** The pause before an "idle before" agent run: the hub and agent have long sent their last message. */
const IDLE_BEFORE_MS = 500;

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

interface Results {
  variants: StartVariant[];
  samples: Map<string, StartSample[]>;
  firstAgentStartMs?: number;
  rounds: number;
  interrupted?: string;
}

async function measure(variants: StartVariant[], options: { runs: number; budgetMs: number; signal: AbortSignal }): Promise<Results> {
  const results: Results = { variants, samples: new Map(variants.map((v) => [v.name, []])), rounds: 0 };
  try {
    for (let w = 1; w <= WARMUP_RUNS; w += 1) for (const variant of variants) await variant.once(-w, options.signal);
    process.stderr.write(`warm-up done (${WARMUP_RUNS} runs per variant); measuring`);
    const begun = performance.now();
    for (let i = 0; i < options.runs; i += 1) {
      if (performance.now() - begun > options.budgetMs) {
        process.stderr.write(`\ntime budget of ${options.budgetMs / 1000} s used up after ${i} rounds`);
        break;
      }
      for (const variant of variants) results.samples.get(variant.name)!.push(await variant.once(i, options.signal));
      results.rounds = i + 1;
      process.stderr.write('.');
    }
    process.stderr.write('\n');
  } catch (error) {
    if (!options.signal.aborted) throw error;
    results.interrupted = (options.signal.reason as Error).message;
  }
  return results;
}

interface Layout {
  /** Ratio rows: [numerator, denominator]; the goal column is filled for agent over bare runc. */
  pairs: Array<[StartVariant, StartVariant]>;
  /** One stage table per group of agent variants. */
  stageGroups: Array<{ title: string; variants: Array<{ column: string; variant: StartVariant }> }>;
}

function report(results: Results, context: { runcVersion: string; loadBefore: string; layout: Layout }): void {
  const samplesOf = (v: StartVariant) => results.samples.get(v.name)!;
  const start = (v: StartVariant) => summarize(samplesOf(v).map((s) => s.startMs));
  const row = (name: string, s: Summary) => [name, String(s.n), ms(s.p50), ms(s.p99), ms(s.mean), ms(s.min), ms(s.max)];
  console.log(`\nnode ${process.version}, ${cpus().length} cores, ${context.runcVersion}; ${results.rounds} rounds (one run of each variant per round, in this order) after ${WARMUP_RUNS} warm-up rounds;`);
  console.log(`load average before ${context.loadBefore}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}${results.interrupted ? `; ${results.interrupted} (partial results)` : ''}`);
  if (results.firstAgentStartMs !== undefined) console.log(`first agent start (before warm-up; includes the image pull from the local registry and unpack): ${ms(results.firstAgentStartMs)} ms`);
  console.log('\nStart latency, ms (p99 of n ≤ 100 is the slowest run)\n');
  console.log(formatTable(['variant', 'n', 'p50', 'p99', 'mean', 'min', 'max'], results.variants.map((v) => row(v.name, start(v)))));

  const ratioRows = context.layout.pairs.map(([a, b]) => {
    const x = start(a);
    const y = start(b);
    const goal = a.name.startsWith('agent') && b.name.startsWith('bare') ? (x.p50 / y.p50 <= GOAL_RATIO ? 'met' : 'not met') : '';
    return [a.name, b.name, ratio(x.p50 / y.p50), ratio(x.mean / y.mean), ratio(x.p99 / y.p99), goal];
  });
  console.log(`\nRatios (goal: agent p50 ≤ ${GOAL_RATIO}× bare runc)\n`);
  console.log(formatTable(['variant', 'over', 'p50', 'mean', 'p99', 'goal'], ratioRows, { textColumns: 2 }));

  console.log('\nDelete, ms (bare: runc delete --force, which polls every 100 ms for the kill; shim: RuncRuntime.delete --force;');
  console.log('agent: DELETE until the API says 404 and the pod dir is gone; SIGTERM, the trap exits, the agent polls state every 100 ms)\n');
  console.log(formatTable(['variant', 'n', 'p50', 'p99', 'mean', 'min', 'max'], results.variants.map((v) => row(v.name, summarize(samplesOf(v).map((x) => x.deleteMs))))));

  for (const group of context.layout.stageGroups) {
    const totalMean = (v: StartVariant) => summarize(samplesOf(v).flatMap((x) => (x.marks ? [x.marks.running - x.marks.posted] : []))).mean;
    const rows = STAGES.map((stage) => [
      stage.label,
      ...group.variants.flatMap(({ variant }) => {
        const s = summarize(samplesOf(variant).flatMap((x) => (x.marks ? [x.marks[stage.to] - x.marks[stage.from]] : [])).filter(Number.isFinite));
        return [ms(s.p50), ms(s.mean), ms(s.max), `${((s.mean / totalMean(variant)) * 100).toFixed(0)}%`];
      }),
    ]);
    rows.push(['total (POST → poll sees Running)', ...group.variants.flatMap(({ variant }) => {
      const s = summarize(samplesOf(variant).flatMap((x) => (x.marks ? [x.marks.running - x.marks.posted] : [])));
      return [ms(s.p50), ms(s.mean), ms(s.max), ''];
    })]);
    console.log(`\nWhere the agent's start goes, ${group.title}, ms (p50s of stages do not add up, means do)\n`);
    console.log(formatTable(['stage', ...group.variants.flatMap(({ column }) => [`${column} p50`, 'mean', 'max', 'share'])], rows));
  }
  console.log('\nStage marks: hub log (committed), a QoS 0 subscriber on the broker (desired delivered, state Running), birth and');
  console.log("modification times of the agent's and shim's files, this process's poll; different observers, so a stage can read a ms or two below 0.");
}

async function main(): Promise<void> {
  const { signal, release } = trapInterrupts();
  const cleanup = new CleanupStack();
  try {
    const runs = envInt('BENCH_STARTS', 50);
    const budgetMs = envInt('BENCH_START_BUDGET_S', 200) * 1000;
    const runcVersion = (await exec('runc', ['--version'])).stdout.split('\n')[0] ?? 'runc';
    const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
    const work = await tempDir('bench-start');
    cleanup.defer('remove the work directory', () => work.remove());
    const bare = await BareRunc.prepare(work.path, { tag: randomBytes(3).toString('hex'), args: CONTAINER_COMMAND });
    cleanup.defer('remove the bare runc containers', () => bare.removeAll());
    const shimStateDir = join(work.path, 'shim-runtime');
    cleanup.defer('remove the RuncRuntime containers', () => removeRuncContainers(join(shimStateDir, 'state')));
    process.stderr.write('starting registry, hub and agent…\n');
    const cluster = await startBenchCluster({ nodeName: 'bench-start', signal });
    cleanup.defer('stop the cluster', () => cluster.stop());
    const watch = await NodeWatch.start(cluster.hub.brokerUrl, cluster.nodeName);
    cleanup.defer('stop watching the broker', () => watch.stop());
    const first = await firstAgentRun({ cluster, watch }, signal);
    bare.useAgentSpec(first.config);
    const where = { cluster, watch };
    const v = {
      createStart: bareRuncVariant(bare, { bundle: 'host', mode: 'create+start' }),
      runDetached: bareRuncVariant(bare, { bundle: 'host', mode: 'run -d' }),
      netns: bareRuncVariant(bare, { bundle: 'new-netns', mode: 'create+start' }),
      agentSpec: bareRuncVariant(bare, { bundle: 'agent-spec', mode: 'create+start' }),
      shim: shimRuntimeVariant(bare, shimStateDir),
      hostIdle: agentVariant(where, { hostNetwork: true, idleBeforeMs: IDLE_BEFORE_MS }),
      hostBack: agentVariant(where, { hostNetwork: true }),
      netIdle: agentVariant(where, { hostNetwork: false, idleBeforeMs: IDLE_BEFORE_MS }),
      netBack: agentVariant(where, { hostNetwork: false }),
    };
    const layout: Layout = {
      pairs: [
        [v.hostIdle, v.createStart],
        [v.hostBack, v.createStart],
        [v.hostIdle, v.runDetached],
        [v.hostIdle, v.agentSpec],
        [v.hostIdle, v.shim],
        [v.shim, v.createStart],
        [v.agentSpec, v.createStart],
        [v.netIdle, v.netns],
        [v.netBack, v.netns],
        [v.netIdle, v.createStart],
      ],
      stageGroups: [
        { title: 'hostNetwork', variants: [{ column: 'idle', variant: v.hostIdle }, { column: 'b2b', variant: v.hostBack }] },
        { title: 'pod network', variants: [{ column: 'idle', variant: v.netIdle }, { column: 'b2b', variant: v.netBack }] },
      ],
    };
    const results = await measure(Object.values(v), { runs, budgetMs, signal });
    results.firstAgentStartMs = first.sample.startMs;
    report(results, { runcVersion, loadBefore, layout });
  } finally {
    process.stderr.write('cleaning up…\n');
    await cleanup.run();
    release();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`start bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});

