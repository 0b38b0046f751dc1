import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Daemon, ROOT } from '../../test/support/daemons.js';
import type { BenchCluster } from '../support/bench-cluster.js';
import { CleanupStack, pollUntil } from '../support/interrupts.js';
import { type ProcSample, fileSnapshot, pidsByCommandLine, sampleProc } from '../support/proc-sample.js';

/** The agent's default heartbeat period, and so the reference writer's. */
export const HEARTBEAT_MS = 5000;
/** How often the agent's write_bytes is looked at during the window, to see in what steps it rises. */
const STEP_SAMPLE_MS = 5000;
/** Size of the reference writer's state record (JSON). */
export const RECORD_BYTES = 1024;

/**
 * The reference: what a naive agent would do — open a LevelDB (classic-level through `level`,
 * the agent's own dependency, with its defaults: no fsync) and put its ~1 KiB state record
 * (node usage and five pod statuses) under one key on every heartbeat. Says `ready` once
 * open and the first record is in, so the window starts after the database files were created.
 */
const NAIVE_AGENT = `
import { Level } from 'level';
const db = new Level(process.env.NAIVE_DB_DIR, { valueEncoding: 'json' });
await db.open();
let seq = 0;
const record = () => {
  seq += 1;
  const pods = Array.from({ length: 5 }, (_, i) => ({ uid: 'pod-' + i + '-0f3c2a9e', phase: 'Running', restartCount: 0, cpuMillis: 3 + i, memoryBytes: 1843200 + i }));
  const base = { seq, at: Date.now(), node: { cpuMillis: 120 + (seq % 7), memoryBytes: 412000000 + seq, diskFreeBytes: 8100000000 }, pods, pad: '' };
  base.pad = '.'.repeat(Math.max(0, ${RECORD_BYTES} - JSON.stringify(base).length));
  return base;
};
await db.put('node/status', record());
process.stdout.write('ready\\n');
setInterval(() => void db.put('node/status', record()), ${HEARTBEAT_MS});
`;

export interface ProcWrites {
  writeBytes: number;
  wchar: number;
  syscw: number;
}

export interface DirGrowth {
  sizeBefore: number;
  sizeAfter: number;
  changed: string[];
}

export interface IdleWrites {
  seconds: number;
  pods: number;
  agent: ProcWrites;
  /** The agent's write_bytes rises, seen every STEP_SAMPLE_MS: when (s into the window) and how many bytes. */
  agentSteps: Array<{ atS: number; bytes: number }>;
  naive: ProcWrites;
  /** The agent's perl shims (one per container), summed over those alive at both ends. */
  shims: ProcWrites & { count: number };
  agentStore: DirGrowth;
  naiveStore: DirGrowth;
}

const delta = (a: ProcSample, b: ProcSample): ProcWrites => ({ writeBytes: b.writeBytes - a.writeBytes, wchar: b.wchar - a.wchar, syscw: b.syscw - a.syscw });

async function sampleAll(pids: readonly number[]): Promise<Map<number, ProcSample>> {
  const samples = new Map<number, ProcSample>();
  for (const pid of pids) {
    const s = await sampleProc(pid);
    if (s) samples.set(pid, s);
  }
  return samples;
}

async function dirState(dir: string): Promise<Map<string, { size: number; mtimeMs: number }>> {
  return fileSnapshot(dir, new Set());
}

function growth(dir: string, before: Map<string, { size: number; mtimeMs: number }>, after: Map<string, { size: number; mtimeMs: number }>): DirGrowth {
  const total = (m: Map<string, { size: number }>) => [...m.values()].reduce((s, f) => s + f.size, 0);
  const changed = [...after].filter(([path, now]) => before.get(path)?.size !== now.size || before.get(path)?.mtimeMs !== now.mtimeMs).map(([path]) => relative(dir, path));
  for (const path of before.keys()) if (!after.has(path)) changed.push(`${relative(dir, path)} (deleted)`);
  return { sizeBefore: total(before), sizeAfter: total(after), changed };
}

/**
 * With the cluster's hub connected and `pods` pods running: starts the reference writer,
 * lets both settle for `settleMs`, then samples /proc/PID/io of the agent, the reference
 * and the agent's shims at both ends of a `seconds`-long window, with the size of both
 * LevelDB directories.
 */
export async function measureIdleWrites(cluster: BenchCluster, options: { pods: number; seconds: number; settleMs: number; workDir: string; signal: AbortSignal }): Promise<IdleWrites> {
  const cleanup = new CleanupStack();
  try {
    const naiveDir = join(options.workDir, 'naive-agent-db');
    await mkdir(options.workDir, { recursive: true });
    const naive = new Daemon(
      'naive agent',
      spawn(process.execPath, ['--input-type=module', '-e', NAIVE_AGENT], { cwd: ROOT, env: { ...process.env, NAIVE_DB_DIR: naiveDir }, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    cleanup.defer('stop the reference writer', () => naive.stop());
    const ready = () => {
      if (naive.output.join('').includes('ready')) return true;
      if (!naive.alive) throw new Error(`exited: ${naive.log()}`);
      return undefined;
    };
    await pollUntil('the reference writer ready', ready, {
      intervalMs: 50,
      timeoutMs: 15_000,
      signal: options.signal,
    });
    process.stderr.write(`idle writes: settling ${options.settleMs / 1000} s, then measuring ${options.seconds} s`);
    await sleep(options.settleMs, undefined, { signal: options.signal });

    const agentPid = cluster.agent.proc.pid!;
    const naivePid = naive.proc.pid!;
    const agentStoreDir = join(cluster.agentDataDir, 'state');
    const shimPrefix = `corral-shim ${join(cluster.runtimeStateDir, 'shims')}/`;
    const storesBefore = { agent: await dirState(agentStoreDir), naive: await dirState(naiveDir) };
    const shimPids = await pidsByCommandLine(shimPrefix);
    const before = await sampleAll([agentPid, naivePid, ...shimPids]);
    const t0 = performance.now();
    const windowMs = options.seconds * 1000;
    const steps: IdleWrites['agentSteps'] = [];
    let last = before.get(agentPid)?.writeBytes ?? 0;
    for (let elapsed = 0, tick = 0; elapsed < windowMs; elapsed = performance.now() - t0, tick += 1) {
      await sleep(Math.min(STEP_SAMPLE_MS, windowMs - elapsed), undefined, { signal: options.signal });
      const now = await sampleProc(agentPid);
      if (!now || !naive.alive) throw new Error(`the ${now ? 'reference writer' : 'agent'} exited during the idle window`);
      if (now.writeBytes !== last) steps.push({ atS: (performance.now() - t0) / 1000, bytes: now.writeBytes - last });
      last = now.writeBytes;
      if (tick % 6 === 5) process.stderr.write('.');
    }
    const after = await sampleAll([agentPid, naivePid, ...shimPids]);
    const seconds = (performance.now() - t0) / 1000;
    const storesAfter = { agent: await dirState(agentStoreDir), naive: await dirState(naiveDir) };
    process.stderr.write('\n');

    const pair = (pid: number) => {
      const a = before.get(pid);
      const b = after.get(pid);
      if (!a || !b) throw new Error(`process ${pid} gone during the idle window`);
      return delta(a, b);
    };
    const shims = { writeBytes: 0, wchar: 0, syscw: 0, count: 0 };
    for (const pid of shimPids) {
      const a = before.get(pid);
      const b = after.get(pid);
      if (!a || !b) continue;
      const d = delta(a, b);
      shims.writeBytes += d.writeBytes;
      shims.wchar += d.wchar;
      shims.syscw += d.syscw;
      shims.count += 1;
    }
    return {
      seconds,
      pods: options.pods,
      agent: pair(agentPid),
      agentSteps: steps,
      naive: pair(naivePid),
      shims,
      agentStore: growth(agentStoreDir, storesBefore.agent, storesAfter.agent),
      naiveStore: growth(naiveDir, storesBefore.naive, storesAfter.naive),
    };
  } finally {
    await cleanup.run();
  }
}
