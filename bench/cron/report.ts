import { formatTable, ms, ratio } from '../support/table.js';
import type { SizeResult } from './measure.js';
import type { CronPath } from './size-process.js';

const MiB = 1024 * 1024;
/** "Holds" N jobs: p99 lateness under this and every tick of the window started. */
export const P99_LIMIT_MS = 1000;

/** One size: what each path measured (a path left out, or interrupted, is absent). */
export type SizeRow = { jobs: number } & Partial<Record<CronPath, SizeResult>>;

const PATHS: readonly CronPath[] = ['bare', 'agent', 'offline'];
const PATH_NAME: Record<CronPath, string> = { bare: 'bare node-cron', agent: 'agent, online', offline: 'agent, offline' };

const holds = (r: SizeResult | undefined) => r !== undefined && r.runs.lateness.p99 < P99_LIMIT_MS && r.runs.missing === 0;

/** The largest N such that it and every smaller N measured hold (undefined: not even the smallest), and the first that does not. */
export function capacity(sizes: readonly SizeRow[], path: CronPath): { jobs: number | undefined; firstFailure: SizeRow | undefined } {
  let jobs: number | undefined;
  for (const size of [...sizes].filter((s) => s[path]).sort((a, b) => a.jobs - b.jobs)) {
    if (!holds(size[path])) return { jobs, firstFailure: size };
    jobs = size.jobs;
  }
  return { jobs, firstFailure: undefined };
}

const n0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '—');
const rows = (sizes: readonly SizeRow[], paths = PATHS) => sizes.flatMap((s) => paths.flatMap((path) => (s[path] ? [{ jobs: s.jobs, path, r: s[path] }] : [])));

export function printTables(sizes: readonly SizeRow[]): void {
  console.log('\nRuns of every-second jobs. lateness = seen − scheduled tick, ms, of the runs seen during the window (bare: node-cron');
  console.log('calls the task; agent: the run pod appears in runner.pods() at onPodsChanged). runs/s = seen during the window, of');
  console.log('`jobs` due; not started = ticks of the window with no run 2 s after it; node-cron dropped = its `execution:missed`;');
  console.log('p50 first → last 5 s: a backlog shows as growth\n');
  console.log(
    formatTable(
      ['jobs', 'path', 'runs/s', 'not started', 'node-cron dropped', 'p50', 'p99', 'max', 'p50 first → last 5 s'],
      rows(sizes).map(({ jobs, path, r }) => [
        String(jobs),
        PATH_NAME[path],
        `${n0(r.runs.ratePerSecond)} of ${jobs}`,
        `${r.runs.missing} of ${r.runs.expected}`,
        String(r.timerMissed),
        ms(r.runs.lateness.p50),
        ms(r.runs.lateness.p99),
        ms(r.runs.lateness.max),
        `${ms(r.runs.firstP50)} → ${ms(r.runs.lastP50)}`,
      ]),
      { textColumns: 2 },
    ),
  );

  const agents = rows(sizes, ['agent', 'offline']).filter(({ r }) => r.timer && r.store);
  if (agents.length > 0) {
    console.log("\nWhere the agent's lateness arises, ms: node-cron's timer calling in (its `execution:started`) vs the run appearing");
    console.log("after the runner's serial queue; queued = ticks node-cron had fired that the runner had not started at the window's end\n");
    console.log(
      formatTable(
        ['jobs', 'path', 'timer p50', 'timer p99', 'timer max', 'run p50', 'run p99', 'run max', 'queued at end'],
        agents.map(({ jobs, path, r }) => [String(jobs), PATH_NAME[path], ms(r.timer!.lateness.p50), ms(r.timer!.lateness.p99), ms(r.timer!.lateness.max), ms(r.runs.lateness.p50), ms(r.runs.lateness.p99), ms(r.runs.lateness.max), String(r.store!.queuedTicks)]),
        { textColumns: 2 },
      ),
    );
  }

  console.log('\nThe measuring process (one per path and size) during the window: CPU = user+system as % of one core (2 cores = 200%),');
  console.log('CPU ms per run = CPU time / runs (at 1 and 10 jobs mostly the process\'s own idle cost), RSS sampled every second,');
  console.log('event-loop delay beyond monitorEventLoopDelay\'s 10 ms timer, /proc/self/io write_bytes, the machine\'s 1-minute load average\n');
  console.log(
    formatTable(
      ['jobs', 'path', 'CPU %', 'CPU ms per run', 'RSS mean MiB', 'RSS max MiB', 'loop delay p99 ms', 'loop delay max ms', 'disk writes MiB/s', 'load'],
      rows(sizes).map(({ jobs, path, r }) => [
        String(jobs),
        PATH_NAME[path],
        r.resources.cpuPercent.toFixed(1),
        (r.resources.cpuPercent * 10 / r.runs.ratePerSecond).toFixed(2),
        r.resources.rssMeanMiB.toFixed(1),
        r.resources.rssMaxMiB.toFixed(1),
        ms(r.resources.loopDelayP99),
        ms(r.resources.loopDelayMax),
        r.resources.diskWriteMiBps.toFixed(2),
        r.loadAverage.toFixed(1),
      ]),
      { textColumns: 2 },
    ),
  );

  if (agents.length > 0) {
    console.log("\nThe agent's LevelDB during the window, counted at the store the runner and outbox share (online: every event acknowledged");
    console.log('each 100 ms, 64 MiB outbox; offline: nothing acknowledged, the default 1 MiB outbox, filled first); setup = opening');
    console.log('the store and outbox (offline: and filling it) and setJobs of all jobs (one fsync\'d batch each)\n');
    console.log(
      formatTable(
        ['jobs', 'path', "fsync'd batches/s", 'other batches/s', 'mean batch ms', 'awaiting batches ms/s', 'events/s', 'pending at end', 'dropped', 'state dir MiB', 'setup ms'],
        agents.map(({ jobs, path, r }) => {
          const s = r.store!;
          const per = (x: number) => (x / (r.windowMs / 1000)).toFixed(0);
          return [String(jobs), PATH_NAME[path], per(s.syncBatches), per(s.otherBatches), (s.batchMs / Math.max(1, s.syncBatches + s.otherBatches)).toFixed(2), per(s.batchMs), per(s.events), String(s.pending), String(s.dropped), ((r.dataDirBytes ?? Number.NaN) / MiB).toFixed(1), n0(r.setupMs)];
        }),
        { textColumns: 2 },
      ),
    );
  }

  const both = sizes.filter((s) => s.bare && s.agent);
  if (both.length > 0) {
    console.log('\nAgent (online) over bare node-cron, same run\n');
    console.log(
      formatTable(
        ['jobs', 'lateness p50', 'lateness p99', 'CPU'],
        both.map((s) => [String(s.jobs), ratio(s.agent!.runs.lateness.p50 / s.bare!.runs.lateness.p50), ratio(s.agent!.runs.lateness.p99 / s.bare!.runs.lateness.p99), ratio(s.agent!.resources.cpuPercent / s.bare!.resources.cpuPercent)]),
      ),
    );
  }
}

function describe(size: SizeRow | undefined, path: CronPath): string {
  const r = size?.[path];
  if (!size || !r) return '';
  return `at ${size.jobs}: ${n0(r.runs.ratePerSecond)} of ${size.jobs} runs/s, p99 ${ms(r.runs.lateness.p99, 0)} ms, p50 ${ms(r.runs.firstP50, 0)} → ${ms(r.runs.lastP50, 0)} ms across the window, ${r.runs.missing} of ${r.runs.expected} ticks not started 2 s after it (${r.timerMissed} dropped by node-cron)`;
}

/** The few lines to paste into a closing note. */
export function printSummary(sizes: readonly SizeRow[], context: { machine: string; fsyncMs: number; windowS: number }): void {
  const agent = capacity(sizes, 'agent');
  const bare = capacity(sizes, 'bare');
  const held = sizes.find((s) => s.jobs === agent.jobs)?.agent;
  console.log('\nSummary');
  console.log(`- ${context.machine}; write+fsync of 600 B: ${ms(context.fsyncMs, 2)} ms. Numbers from this VM, not from a Pi.`);
  console.log(`- Every-second CronJobs, ${context.windowS} s per size and path (${sizes.map((s) => s.jobs).join(', ')} jobs); holds = p99 lateness < ${P99_LIMIT_MS} ms and every tick started.`);
  if (sizes.some((s) => s.agent)) {
    console.log(
      `- One agent holds ${agent.jobs ?? `fewer than ${sizes[0]?.jobs ?? '?'}`} every-second jobs here` +
        (held ? ` (p50 ${ms(held.runs.lateness.p50, 0)} ms, p99 ${ms(held.runs.lateness.p99, 0)} ms, ${held.resources.cpuPercent.toFixed(0)}% of a core, RSS ${held.resources.rssMaxMiB.toFixed(0)} MiB)` : '') +
        (agent.firstFailure ? `; ${describe(agent.firstFailure, 'agent')}.` : '; the largest size measured still holds.'),
    );
  } else {
    console.log('- The agent path was not measured.');
  }
  const bareTop = sizes.find((s) => s.jobs === bare.jobs)?.bare;
  console.log(`- Bare node-cron holds ${bare.jobs ?? 'none of the sizes'}${bareTop ? ` (p99 ${ms(bareTop.runs.lateness.p99, 0)} ms, ${bareTop.resources.cpuPercent.toFixed(0)}% of a core)` : ''}${bare.firstFailure ? `; ${describe(bare.firstFailure, 'bare')}` : ', the largest size measured'}.`);
  const fastest = sizes.filter((s) => s.agent).sort((a, b) => b.agent!.runs.ratePerSecond - a.agent!.runs.ratePerSecond)[0];
  if (fastest) console.log(`- The agent path started at most ${n0(fastest.agent!.runs.ratePerSecond)} runs/s (at ${fastest.jobs} jobs, ${fastest.agent!.resources.cpuPercent.toFixed(0)}% of a core).`);
  for (const size of sizes.filter((s) => s.offline)) {
    const cpu = (r: SizeResult | undefined) => (r ? ((r.resources.cpuPercent * 10) / r.runs.ratePerSecond).toFixed(1) : '—');
    console.log(`- Offline (hub unreachable, full 1 MiB outbox) ${holds(size.offline) ? 'holds' : 'does not hold'} ${describe(size, 'offline')}; ${cpu(size.offline)} ms of CPU per run (online ${cpu(size.agent)}).`);
  }
  const over = sizes.filter((s) => s.agent && !holds(s.agent));
  const worst = over[over.length - 1];
  if (worst) {
    console.log(`- Past capacity the runner's queue holds every tick node-cron fires and starts it later and later for as long as the load lasts (${worst.agent!.store?.queuedTicks ?? '?'} ticks queued at the end of the window at ${worst.jobs} jobs).`);
  }
  const dropped = sizes.filter((s) => s.agent && s.agent.timerMissed > 0);
  if (dropped.length > 0) {
    const where = dropped.map((s) => `${s.agent!.timerMissed} at ${s.jobs} jobs`).join(', ');
    console.log(`- node-cron itself dropped ticks (its \`execution:missed\`: the timer called in a whole tick late): ${where}; the runner does not listen to that event, so they leave no Missed record.`);
  } else if (worst) {
    console.log('- node-cron dropped no tick in the windows (no `execution:missed`).');
  }
  console.log('- The hub can send at most 256 CronJobs per node (DesiredMessage.cronJobs, protocol/src/desired.ts).');
}
