import { readdir, stat } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FiringStats, firingStats, ticksIn } from './firings.js';
import { ResourceWindow, type Resources } from './resources.js';
import type { CronSubject, StoreCounters } from './subject.js';

export interface MeasureOptions {
  warmupMs: number;
  windowMs: number;
  /** After the window, how long to wait for its ticks still queued to start. */
  drainMs: number;
  signal: AbortSignal;
  /** A data dir whose size is read at the end of the window. */
  dataDir?: string;
}

export interface SizeResult {
  jobs: number;
  /** From opening the subject until its timers run (the agent: setJobs, one fsync'd write per job). */
  setupMs: number;
  windowMs: number;
  /** Runs as the path saw them start. */
  runs: FiringStats;
  /** node-cron's timer alone, inside the agent path. */
  timer?: FiringStats;
  /** Ticks of the window node-cron gave up on (`execution:missed`). */
  timerMissed: number;
  resources: Resources;
  /** The machine's 1-minute load average at the window's end: other work on the 2 cores shows here. */
  loadAverage: number;
  /** The store's traffic during the window; `pending` and `queuedTicks` at its end. */
  store?: StoreCounters;
  dataDirBytes?: number;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) total += info.size;
  }
  return total;
}

function delta(before: StoreCounters, after: StoreCounters): StoreCounters {
  return {
    syncBatches: after.syncBatches - before.syncBatches,
    otherBatches: after.otherBatches - before.otherBatches,
    batchMs: after.batchMs - before.batchMs,
    events: after.events - before.events,
    pending: after.pending,
    dropped: after.dropped - before.dropped,
    queuedTicks: after.queuedTicks,
  };
}

/**
 * Opens a subject with `jobs` every-second jobs, lets it warm up, measures one window
 * (firings by tick, this process's resources, the store's traffic), waits up to `drainMs`
 * for the window's late ticks, then stops it — also when interrupted.
 */
export async function measureSize(open: () => Promise<CronSubject>, jobs: number, options: MeasureOptions): Promise<SizeResult> {
  const began = performance.now();
  const subject = await open();
  const setupMs = performance.now() - began;
  let resources: ResourceWindow | undefined;
  try {
    await sleep(options.warmupMs, undefined, { signal: options.signal });
    const before = subject.counters?.();
    resources = await ResourceWindow.start();
    const from = Date.now();
    await sleep(options.windowMs, undefined, { signal: options.signal });
    const to = Date.now();
    const load = loadavg()[0] ?? Number.NaN;
    const after = subject.counters?.();
    const used = await resources.stop();
    const dataDirBytes = options.dataDir ? await dirBytes(options.dataDir) : undefined;
    const window = { from, to };
    const first = Math.ceil(from / 1000) * 1000;
    const expected = jobs * ticksIn(window);
    const drainUntil = performance.now() + options.drainMs;
    while (subject.firings.countTicks(first, to) < expected && performance.now() < drainUntil) await sleep(100, undefined, { signal: options.signal });
    return {
      jobs,
      setupMs,
      windowMs: to - from,
      runs: firingStats(subject.firings, jobs, window),
      ...(subject.timerFirings ? { timer: firingStats(subject.timerFirings, jobs, window) } : {}),
      timerMissed: subject.timerMissed.filter((at) => at >= first && at < to).length,
      resources: used,
      loadAverage: load,
      ...(before && after ? { store: delta(before, after) } : {}),
      ...(dataDirBytes !== undefined ? { dataDirBytes } : {}),
    };
  } finally {
    resources?.dispose();
    await subject.stop();
  }
}
