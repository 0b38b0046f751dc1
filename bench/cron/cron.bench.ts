/**
 * How many CronJobs one agent can hold, and how late their runs start: the agent's real
 * cron path (CronRunner with its default node-cron timers, a real AgentStore/LevelDB and
 * Outbox on a temp dir) against bare node-cron tasks, measured in the same run.
 *
 *   npx tsx bench/cron/cron.bench.ts                          # about 6 minutes
 *   BENCH_CRON_JOBS=100,500 BENCH_CRON_SECONDS=10 npx tsx bench/cron/cron.bench.ts
 *
 * Env: BENCH_CRON_JOBS (1,10,100,500,1000,2000) sizes; BENCH_CRON_SECONDS (20) the measured
 * window per size and path, after BENCH_CRON_WARMUP_S (3) of warm-up; BENCH_CRON_OFFLINE_JOBS
 * (100; empty: none) the sizes of BENCH_CRON_JOBS also measured offline. No containers, no root.
 *
 * Every job is `* * * * * *` (every second), so N jobs are N runs per second, all due on the
 * same whole second. Each path and size runs in a fresh process (size-process.ts), so its CPU,
 * RSS and event-loop delay are its own; per size, one after the other:
 *   bare node-cron   N `cron.schedule` tasks, each recording Date.now() − ctx.date;
 *   agent, online    N jobs through `setJobs`; `onPodsChanged` reads `runner.pods()` (as the
 *                    pod manager does); each run pod not seen before is a run started then
 *                    (its tick is in its name) and is at once reported Succeeded through
 *                    `observe`, so each run is written as a real one is: started, then its
 *                    record and a CronRun event, each an fsync'd batch. The "hub" acknowledges
 *                    every event each 100 ms. node-cron's own timer is timed inside this path too;
 *   agent, offline   the same with the hub unreachable for a while: the agent's default 1 MiB
 *                    outbox full of earlier CronRun events, nothing acknowledged.
 * Per window: lateness (p50, p99, max, first vs last 5 s), runs per second, ticks not started,
 * CPU, RSS, event-loop delay and storage writes of the process, the LevelDB batches. Capacity
 * = the largest N whose p99 stays under 1 s with every tick started (online).
 * Numbers are for reading, never asserted.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../../test/support/daemons.js';
import { CleanupStack, trapInterrupts } from '../support/interrupts.js';
import { measureInProcess } from './fork-size.js';
import { type SizeRow, printSummary, printTables } from './report.js';
import type { CronPath } from './size-process.js';

const DEFAULT_SIZES = [1, 10, 100, 500, 1000, 2000];
const DEFAULT_OFFLINE_SIZES = [100];
const DRAIN_MS = 2000;

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function envSizes(name: string, fallback: number[]): number[] {
  const value = process.env[name];
  if (value === undefined) return fallback;
  return value.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

/** The mean time of a 600-byte write + fsync in `dir`: what each of the agent's durable batches waits for at least. */
function fsyncMs(dir: string): number {
  const fd = openSync(join(dir, 'fsync-probe'), 'w');
  const buffer = Buffer.alloc(600, 'x');
  const began = performance.now();
  for (let i = 0; i < 200; i += 1) {
    writeSync(fd, buffer);
    fsyncSync(fd);
  }
  const mean = (performance.now() - began) / 200;
  closeSync(fd);
  return mean;
}

function machine(): string {
  const virtual = /^flags\s*:.*\bhypervisor\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  let kernel = '';
  try {
    kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  } catch {
    // not essential
  }
  return `${cpus().length}-core ${process.arch} ${virtual ? 'VM' : 'machine'} (${cpus()[0]?.model ?? 'cpu'}, Linux ${kernel}), node ${process.version}`;
}

async function main(): Promise<void> {
  const { signal, release } = trapInterrupts();
  const cleanup = new CleanupStack();
  const windowS = envInt('BENCH_CRON_SECONDS', 20);
  const timing = { warmupMs: envInt('BENCH_CRON_WARMUP_S', 3) * 1000, windowMs: windowS * 1000, drainMs: DRAIN_MS };
  const offline = new Set(envSizes('BENCH_CRON_OFFLINE_JOBS', DEFAULT_OFFLINE_SIZES));
  const sizes: SizeRow[] = [];
  const leftovers: string[] = [];
  let interrupted: string | undefined;
  try {
    const work = await tempDir('bench-cron');
    cleanup.defer('remove the work directory', () => work.remove());
    const fsync = fsyncMs(work.path);
    const about = machine();
    console.log(`cron: ${about}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; write+fsync ${fsync.toFixed(2)} ms`);
    for (const jobs of envSizes('BENCH_CRON_JOBS', DEFAULT_SIZES)) {
      if (signal.aborted) break;
      const row: SizeRow = { jobs };
      sizes.push(row);
      const paths: CronPath[] = ['bare', 'agent', ...(offline.has(jobs) ? (['offline'] as const) : [])];
      for (const path of paths) {
        if (signal.aborted) break;
        process.stderr.write(`${jobs} jobs, ${path}… `);
        const dataDir = join(work.path, `${path}-${jobs}`);
        const reply = await measureInProcess({ path, jobs, ...timing, dataDir }, signal);
        await rm(dataDir, { recursive: true, force: true });
        if (!reply) break;
        row[path] = reply.result;
        if (reply.tasksLeft > 0) leftovers.push(`${reply.tasksLeft} node-cron tasks left after ${path} at ${jobs} jobs`);
        process.stderr.write(`p99 ${reply.result.runs.lateness.p99.toFixed(0)} ms, ${reply.result.runs.missing} ticks not started\n`);
      }
    }
    if (signal.aborted) interrupted = (signal.reason as Error).message;
    const measured = sizes.filter((s) => s.bare || s.agent || s.offline);
    printTables(measured);
    printSummary(measured, { machine: about, fsyncMs: fsync, windowS });
    console.log(`\nclean-up: ${leftovers.length > 0 ? leftovers.join('; ') : 'every measurement process ended with no node-cron task left'}; load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}${interrupted ? `; ${interrupted} (partial results)` : ''}`);
  } finally {
    await cleanup.run();
    release();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`cron bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
