import pino from 'pino';
import { CronRunner } from '../../agent/src/cron/cron-runner.js';
import { type EventInput, Outbox } from '../../agent/src/outbox/outbox.js';
import { AgentStore, type BatchSublevel, type StoreOp } from '../../agent/src/state/store.js';
import { CronJobSpec, type DesiredCronJobEntry, type PodStatus, type RunRecord } from '../../protocol/src/index.js';
import { FiringLog } from './firings.js';
import { type CronSubject, type StoreCounters, watchNodeCron } from './subject.js';

/** How long `stop()` waits for the runner's queue to drain before closing the store anyway. */
const DRAIN_TIMEOUT_MS = 3000;

export interface AgentCronOptions {
  /** The outbox's bound (the agent's default is 1 MiB, `outboxMaxBytes`). */
  outboxBytes: number;
  /** How often the "hub" acknowledges every event; undefined: never (the hub is unreachable). */
  ackEveryMs: number | undefined;
  /** Fill the outbox to its bound with CronRun events first, as a while without the hub does. */
  fullOutbox: boolean;
}

/**
 * Online: room enough that nothing is dropped, and every event acknowledged each 100 ms (the
 * agent's sender has one batch of ≤128 events in flight and the hub acknowledges each, so few
 * stay pending).
 */
export const ONLINE: AgentCronOptions = { outboxBytes: 64 * 1024 * 1024, ackEveryMs: 100, fullOutbox: false };
/**
 * Offline for a while: the agent's default 1 MiB outbox already full of earlier runs' events and
 * nothing acknowledged, so each new event pushes out the oldest.
 */
export const OFFLINE: AgentCronOptions = { outboxBytes: 1024 * 1024, ackEveryMs: undefined, fullOutbox: true };

/** `jobs` CronJobs named `job-<i>` on `* * * * * *`, the busybox run template. */
export function everySecondJobs(jobs: number): DesiredCronJobEntry[] {
  const spec = CronJobSpec.parse({ schedule: '* * * * * *', template: { containers: [{ name: 'main', image: 'busybox', command: ['true'] }] } });
  return Array.from({ length: jobs }, (_, i) => ({ uid: `bench-cron-${i}`, name: `job-${i}`, spec }));
}

/** Appends CronRun events like the runner's until the outbox first drops one: it is at its bound. */
async function fillOutbox(outbox: Outbox): Promise<void> {
  for (let second = 1_700_000_000; outbox.dropped === 0; second += 1) {
    const events = Array.from({ length: 100 }, (_, i): EventInput => {
      const run: RunRecord = { job: `job-${i}`, jobUid: `bench-cron-${i}`, run: `job-${i}-${second}`, scheduledAt: second * 1000, startedAt: second * 1000 + 5, finishedAt: second * 1000 + 9, status: 'Succeeded', exitCode: 0, reason: 'Completed', logTail: [] };
      return { type: 'CronRun', priority: 'high', pod: run.run, reason: run.status, exitCode: 0, run };
    });
    await outbox.append(events);
  }
}

/** A run pod that has just ended well, as the reconciler would report it. */
function succeeded(pod: { name: string; uid: string }): PodStatus {
  const finishedAt = Date.now();
  return {
    name: pod.name,
    uid: pod.uid,
    phase: 'Succeeded',
    containerStatuses: [{ name: 'main', image: 'busybox', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt } } }],
  };
}

/**
 * The agent's cron path without containers: a real AgentStore (LevelDB) in `dataDir`, a real
 * Outbox and a CronRunner with its default node-cron timers. `onPodsChanged` reads
 * `runner.pods()` as the pod manager does; each run pod not seen before is a run started now
 * (its tick is in its name, `<job>-<scheduled second>`), and is at once reported Succeeded
 * through `observe`, so every run is written twice (started, ended) with a record and a
 * `CronRun` event, as a real run is.
 */
export async function startAgentCron(jobs: number, dataDir: string, options: AgentCronOptions): Promise<CronSubject> {
  const store = await AgentStore.open(dataDir);
  const counters = { syncBatches: 0, otherBatches: 0, batchMs: 0 };
  const counted = {
    async batch(ops: readonly StoreOp[], options: { sync: boolean }): Promise<void> {
      const began = performance.now();
      await store.batch(ops, options);
      counters.batchMs += performance.now() - began;
      if (options.sync) counters.syncBatches += 1;
      else counters.otherBatches += 1;
    },
    entries: <V>(sublevel: BatchSublevel) => store.entries<V>(sublevel),
    getMeta: <V>(key: string) => store.getMeta<V>(key),
  };
  const outbox = await Outbox.open(counted, { maxBytes: options.outboxBytes, now: Date.now });
  if (options.fullOutbox) await fillOutbox(outbox);
  const firings = new FiringLog();
  const timerFirings = new FiringLog();
  const timerMissed: number[] = [];
  let active = new Set<string>();
  let stopped = false;
  let runner: CronRunner | undefined;
  const observing = new Set<Promise<void>>();
  let unrecorded = 0;

  const onPodsChanged = () => {
    if (!runner || stopped) return;
    const now = Date.now();
    const pods = runner.pods();
    const ended: PodStatus[] = [];
    const next = new Set<string>();
    for (const pod of pods) {
      next.add(pod.uid);
      if (active.has(pod.uid)) continue;
      firings.record(Number(pod.name.slice(pod.name.lastIndexOf('-') + 1)) * 1000, now);
      ended.push(succeeded(pod));
    }
    active = next;
    if (ended.length === 0) return;
    const done = runner.observe(ended).catch(() => void (unrecorded += ended.length));
    observing.add(done);
    void done.finally(() => observing.delete(done));
  };

  const opened = await CronRunner.open({ store: counted, outbox, now: Date.now, log: pino({ level: 'silent' }), logTail: async () => [], onPodsChanged });
  runner = opened;
  const entries = everySecondJobs(jobs);
  await opened.setJobs(entries);
  watchNodeCron({ missed: timerMissed, started: timerFirings });
  // From this tick on every firing of node-cron is seen by the listeners (the timers all started before).
  const watchedFrom = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  const ackEveryMs = options.ackEveryMs;
  const acknowledging = ackEveryMs === undefined ? undefined : setInterval(() => void outbox.acknowledge(outbox.nextSeq - 1).catch(() => undefined), ackEveryMs);

  return {
    firings,
    timerFirings,
    timerMissed,
    counters: (): StoreCounters => ({ ...counters, events: outbox.nextSeq - 1, pending: outbox.pending, dropped: outbox.dropped, queuedTicks: timerFirings.countTicks(watchedFrom, Infinity) - firings.countTicks(watchedFrom, Infinity) }),
    async stop() {
      stopped = true;
      clearInterval(acknowledging);
      // stop() drops the steps still queued (ticks, run ends: counted below) and waits for the running one.
      const before = observing.size;
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        opened.stop().then(() => Promise.all(observing)).then(() => true),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), DRAIN_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      await store.close();
      if (!drained || unrecorded > 0) process.stderr.write(`\n  ${jobs} jobs: stop() dropped ${unrecorded} of ${before} queued run ends (recorded at the next start by catch-up of its state)${drained ? '' : ', and did not return within the drain timeout'}\n`);
    },
  };
}
