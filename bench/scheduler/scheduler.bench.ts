/**
 * The scheduler in-process on synthetic nodes, in the shapes of Kubernetes'
 * scheduler_perf: 5,000 nodes, 1,000 pods placed first (not timed), then the
 * measured pods placed one after another with `scheduleAll` (every node filtered
 * and every feasible node scored for each pod — no sampling of nodes).
 *
 *   npx tsx bench/scheduler/scheduler.bench.ts          # 10,000 measured pods per case
 *   BENCH_PODS=2000 npx tsx bench/scheduler/scheduler.bench.ts
 *   BENCH_REPEAT=1 …                                   # runs per case (default 3; the median is shown)
 *
 * The Kubernetes column is scheduler_perf's CI threshold for the same shape at
 * 5,000 nodes (pods/s). Numbers are for reading, never asserted anywhere.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { schedule, scheduleAll } from '../../hub/src/scheduler/index.js';
import type { Snapshot } from '../../hub/src/scheduler/types.js';
import { basic, makeNodes, nodeAffinity, podAntiAffinity, type Workload } from './workloads.js';

const NODES = 5000;
const PODS = Math.max(1, Number(process.env.BENCH_PODS ?? 10_000));
const INIT = Math.min(1000, Math.ceil(PODS / 10));
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));

interface Case {
  name: string;
  workload: Workload;
  kubernetes: number;
}

const cases: Case[] = [
  { name: '(a) resources only', workload: basic, kubernetes: 680 },
  { name: '(b) required node affinity', workload: nodeAffinity, kubernetes: 220 },
  { name: '(c) required pod anti-affinity', workload: podAntiAffinity, kubernetes: 60 },
];

function pods(workload: Workload, from: number, count: number) {
  return Array.from({ length: count }, (_, k) => workload(from + k));
}

function measure(c: Case): { rate: number; placed: number; after: Snapshot } {
  const nodes = makeNodes(NODES);
  const { snapshot } = scheduleAll(pods(c.workload, 0, INIT), { nodes, pods: [] });
  const batch = pods(c.workload, INIT, PODS);
  const start = performance.now();
  const { decisions, snapshot: after } = scheduleAll(batch, snapshot);
  const seconds = (performance.now() - start) / 1000;
  const placed = decisions.filter((d) => d.node !== undefined).length;
  return { rate: PODS / seconds, placed, after };
}

function ms(f: () => void, times: number): number {
  const start = performance.now();
  for (let k = 0; k < times; k++) f();
  return (performance.now() - start) / times;
}

const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number, n: number) => x.toFixed(0).padStart(n);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

console.log(`scheduler: ${NODES} nodes, ${INIT} pods placed first, ${PODS} pods measured, median of ${REPEAT} runs (node ${process.version}, ${process.arch}, load ${loadavg()[0]?.toFixed(1)})`);
console.log(`${pad('case', 32)} ${'pods/s'.padStart(8)} ${'k8s CI'.padStart(7)} ${'ratio'.padStart(7)} ${'placed'.padStart(7)} ${'runs (pods/s)'.padStart(20)}`);
let last: Snapshot | undefined;
for (const c of cases) {
  const runs = Array.from({ length: REPEAT }, () => measure(c));
  const rates = runs.map((r) => r.rate);
  const rate = median(rates);
  last = runs[0]?.after;
  const placed = runs[0]?.placed ?? 0;
  console.log(
    `${pad(c.name, 32)} ${num(rate, 8)} ${num(c.kubernetes, 7)} ${`${(rate / c.kubernetes).toFixed(1)}×`.padStart(7)} ${num(placed, 7)} ${rates.map((r) => r.toFixed(0)).join(' ').padStart(20)}`,
  );
}

// What the other paths cost on the last cluster (anti-affinity, 5,000 nodes, 11,000 pods).
if (last !== undefined) {
  const snapshot = last;
  const probe = podAntiAffinity(PODS + INIT);
  const single = ms(() => schedule(probe, snapshot), 10);
  const explained = ms(() => void schedule(probe, snapshot).verdicts.length, 10);
  console.log(`schedule() of one pod, indexing the snapshot per call: ${single.toFixed(1)} ms; reading its ${NODES} verdicts as well: ${explained.toFixed(1)} ms`);
}
