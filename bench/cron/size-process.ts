/**
 * One measurement (one path, one size) in a process of its own, forked by cron.bench.ts, so
 * the CPU, RSS and event-loop delay it reports are that subject's alone (not the garbage or
 * the backlog of the size before). Takes a `SizeRequest` as JSON in argv[2], sends one
 * `SizeReply` over IPC and exits once everything it opened is closed.
 */
import { join } from 'node:path';
import cron from 'node-cron';
import { trapInterrupts } from '../support/interrupts.js';
import { OFFLINE, ONLINE, startAgentCron } from './agent-cron.js';
import { startBareCron } from './bare-cron.js';
import { type SizeResult, measureSize } from './measure.js';
import type { CronSubject } from './subject.js';

export type CronPath = 'bare' | 'agent' | 'offline';

export interface SizeRequest {
  path: CronPath;
  jobs: number;
  warmupMs: number;
  windowMs: number;
  drainMs: number;
  /** The agent's data dir (unused by the bare path). */
  dataDir: string;
}

export interface SizeReply {
  result: SizeResult;
  /** node-cron's registry after the subject stopped: 0 when every task was destroyed. */
  tasksLeft: number;
}

function opener(request: SizeRequest): () => Promise<CronSubject> {
  switch (request.path) {
    case 'bare':
      return async () => startBareCron(request.jobs);
    case 'agent':
      return () => startAgentCron(request.jobs, request.dataDir, ONLINE);
    case 'offline':
      return () => startAgentCron(request.jobs, request.dataDir, OFFLINE);
  }
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as SizeRequest;
  const { signal, release } = trapInterrupts();
  try {
    const result = await measureSize(opener(request), request.jobs, {
      warmupMs: request.warmupMs,
      windowMs: request.windowMs,
      drainMs: request.drainMs,
      signal,
      ...(request.path === 'bare' ? {} : { dataDir: join(request.dataDir, 'state') }),
    });
    const reply: SizeReply = { result, tasksLeft: cron.getTasks().size };
    await new Promise<void>((resolve, reject) => process.send?.(reply, undefined, {}, (error) => (error ? reject(error) : resolve())));
  } catch (error) {
    if (!signal.aborted) throw error;
    process.exitCode = 2;
  } finally {
    release();
    process.disconnect?.();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`cron bench (${process.argv[2]}) failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
