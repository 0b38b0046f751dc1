import cron from 'node-cron';
import type { Logger } from 'pino';
import { CorralError, type DesiredCronJobEntry, ErrorCode, type PodSpec, type PodStatus, type RunRecord, templateSpec } from '../../../protocol/src/index.js';
import type { EventInput } from '../outbox/outbox.js';
import type { DesiredPod } from '../reconcile/model.js';
import type { StoreOp } from '../state/store.js';
import { type ActiveRun, nextDeadline, onTick, overdue, pruneHistory, runName } from './decisions.js';
import { type Schedule, compileSchedule, dueTicks } from './schedule.js';

/** What the agent keeps per CronJob (LevelDB sublevel `cron`, key: the job's uid). */
export interface CronJobState {
  name: string;
  /** The last tick acted on: never fired twice, even across restarts. */
  lastScheduledAt: number | undefined;
  active: ActiveRun[];
  history: RunRecord[];
}

export interface CronRunnerDeps {
  store: { batch(ops: readonly StoreOp[], options: { sync: boolean }): Promise<void>; entries<V>(sublevel: 'cron'): Promise<Array<[string, V]>> };
  /** Run records go out as `CronRun` events, in the same batch as the job's state. */
  outbox: { append(events: readonly EventInput[], also?: readonly StoreOp[]): Promise<unknown> };
  now: () => number;
  log: Logger;
  /** The last lines of a run's log. */
  logTail: (pod: DesiredPod) => Promise<string[]>;
  /** The set of run pods changed. */
  onPodsChanged: () => void;
  /** Fires `fire(tick)` on each tick of the schedule (default: node-cron). */
  startTimer?: (expression: string, timeZone: string | undefined, fire: (at: number) => void) => { stop(): void };
}

interface Job {
  entry: DesiredCronJobEntry;
  schedule: Schedule;
  /** The run pods' spec, built once per job version. */
  podSpec: PodSpec;
  timer: { stop(): void } | undefined;
}

/**
 * The default timer: a node-cron task in the job's time zone; the tick it names is the scheduled time.
 * A tick node-cron reports missed (its event loop was held up) is handed over too: `fire` then starts it
 * late if the starting deadline allows, else records it missed — never silently lost.
 */
function nodeCronTimer(expression: string, timeZone: string | undefined, fire: (at: number) => void): { stop(): void } {
  const task = cron.schedule(expression, (ctx) => fire(ctx.date.getTime()), { ...(timeZone ? { timezone: timeZone } : {}), noOverlap: false, suppressMissedWarning: true });
  task.on('execution:missed', (ctx) => fire(ctx.date.getTime()));
  return { stop: () => void task.destroy() };
}

const terminalPhases = new Set(['Succeeded', 'Failed']);

/**
 * Runs the node's CronJobs on their schedules, with no hub (DESIGN.md §4): node-cron fires the ticks, each
 * tick becomes a run pod handed to the reconciler, and each run's end becomes a record in LevelDB and a
 * `CronRun` event in the outbox, atomically. At start (and when a job arrives) ticks that passed while the
 * agent was down are caught up once (`dueTicks`). Every change goes through one queue.
 */
export class CronRunner {
  private readonly jobs = new Map<string, Job>();
  private queue: Promise<unknown> = Promise.resolve();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly deps: CronRunnerDeps,
    private readonly states: Map<string, CronJobState>,
  ) {}

  static async open(deps: CronRunnerDeps): Promise<CronRunner> {
    return new CronRunner(deps, new Map(await deps.store.entries<CronJobState>('cron')));
  }

  /** The run pods to run now. */
  pods(): DesiredPod[] {
    const out: DesiredPod[] = [];
    for (const [uid, state] of this.states) {
      const job = this.jobs.get(uid);
      if (!job) continue;
      for (const run of state.active) out.push({ uid: run.uid, name: run.run, spec: job.podSpec });
    }
    return out;
  }

  /** The jobs the hub wants on this node: new ones start, changed ones are rescheduled, removed ones stop. */
  setJobs(entries: readonly DesiredCronJobEntry[]): Promise<void> {
    return this.serial(async () => {
      const wanted = new Map(entries.map((e) => [e.uid, e]));
      for (const [uid, job] of this.jobs) {
        if (wanted.has(uid)) continue;
        this.dispose(job);
        this.jobs.delete(uid);
        if (this.states.delete(uid)) await this.deps.store.batch([{ sublevel: 'cron', type: 'del', key: uid }], { sync: false });
        this.deps.log.info({ job: job.entry.name }, 'cron job removed; its runs stop');
      }
      for (const entry of entries) {
        const current = this.jobs.get(entry.uid);
        if (current && JSON.stringify(current.entry.spec) === JSON.stringify(entry.spec)) continue;
        if (current) this.dispose(current);
        const job: Job = { entry, schedule: compileSchedule(entry.spec.schedule, entry.spec.timeZone), podSpec: templateSpec(entry.spec.template), timer: undefined };
        this.jobs.set(entry.uid, job);
        await this.catchUp(job);
        if (!entry.spec.suspend && !this.stopped) {
          job.timer = (this.deps.startTimer ?? nodeCronTimer)(entry.spec.schedule, entry.spec.timeZone, (at) => void this.serial(() => this.fire(entry.uid, at, false)));
        }
      }
      this.armDeadlines();
      this.deps.onPodsChanged();
    });
  }

  /** Pod statuses after a reconcile pass: runs whose pod has ended are recorded. */
  observe(statuses: readonly PodStatus[]): Promise<void> {
    const ended = statuses.filter((s) => terminalPhases.has(s.phase));
    if (ended.length === 0) return Promise.resolve();
    return this.serial(async () => {
      let changed = false;
      for (const status of ended) {
        for (const [uid, state] of this.states) {
          const run = state.active.find((r) => r.uid === status.uid);
          const job = this.jobs.get(uid);
          if (!run || !job) continue;
          const container = status.containerStatuses[0];
          const end = container?.state.terminated ?? container?.lastTermination;
          await this.finish(job, run, {
            status: status.phase === 'Succeeded' ? 'Succeeded' : 'Failed',
            ...(end ? { exitCode: end.exitCode, reason: end.reason, finishedAt: end.finishedAt } : {}),
          });
          changed = true;
        }
      }
      if (changed) {
        this.armDeadlines();
        this.deps.onPodsChanged();
      }
    });
  }

  /** A run now, by hand (`corral trigger cronjob`), whatever the schedule and `suspend`; the concurrency policy applies. */
  trigger(name: string): Promise<{ run: string; started: boolean; reason?: string }> {
    return this.serial(async () => {
      const job = [...this.jobs.values()].find((j) => j.entry.name === name);
      if (!job) throw new CorralError(ErrorCode.CronJobNotFound, `cron job ${name} is not on this node`);
      return this.fire(job.entry.uid, this.deps.now(), true);
    });
  }

  /** Stops the timers; steps still queued are dropped (their ticks are caught up at the next start), the running one finishes. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.deadlineTimer);
    for (const job of this.jobs.values()) this.dispose(job);
    await this.queue;
  }

  /** Ticks that passed while no timer ran: the newest within the starting deadline runs once, the others are recorded missed. */
  private async catchUp(job: Job): Promise<void> {
    const { entry } = job;
    const state = this.state(entry);
    const due = dueTicks({ schedule: job.schedule, lastScheduledAt: entry.spec.suspend ? undefined : state.lastScheduledAt, now: this.deps.now(), startingDeadlineSeconds: entry.spec.startingDeadlineSeconds });
    const missed = due.missed.map((at): RunRecord => ({ job: entry.name, jobUid: entry.uid, run: runName(entry.name, at), scheduledAt: at, status: 'Missed', reason: due.run === undefined && at === due.missed[0] && entry.spec.startingDeadlineSeconds !== undefined ? 'StartingDeadlineExceeded' : 'AgentNotRunning' }));
    if (due.passed > 0) this.deps.log.info({ job: entry.name, passed: due.passed, catchUp: due.run !== undefined, missed: missed.length }, 'cron ticks passed while the agent was not running');
    const next: CronJobState = { ...state, lastScheduledAt: due.run === undefined ? due.lastScheduledAt : state.lastScheduledAt, history: this.prune(entry, [...missed, ...state.history]) };
    await this.commit(entry, next, missed);
    if (due.run !== undefined) await this.fire(entry.uid, due.run, false);
  }

  private async fire(uid: string, at: number, manual: boolean): Promise<{ run: string; started: boolean; reason?: string }> {
    const job = this.jobs.get(uid);
    if (!job || this.stopped) return { run: '', started: false, reason: 'job gone' };
    const { entry } = job;
    const state = this.state(entry);
    const name = runName(entry.name, at, manual);
    if (!manual && state.lastScheduledAt !== undefined && at <= state.lastScheduledAt) return { run: name, started: false, reason: 'tick already handled' };
    const lastScheduledAt = manual ? state.lastScheduledAt : at;
    const deadline = entry.spec.startingDeadlineSeconds;
    if (!manual && deadline !== undefined && this.deps.now() - at > deadline * 1000) {
      // Fired too late to start (the agent was overloaded or its event loop held up): recorded, not run.
      const missed: RunRecord = { job: entry.name, jobUid: entry.uid, run: name, scheduledAt: at, status: 'Missed', reason: 'StartingDeadlineExceeded' };
      await this.commit(entry, { ...state, lastScheduledAt, history: this.prune(entry, [missed, ...state.history]) }, [missed]);
      this.deps.log.warn({ job: entry.name, scheduledAt: at, lateMs: this.deps.now() - at }, 'cron tick missed: past its starting deadline');
      return { run: name, started: false, reason: 'past the starting deadline' };
    }
    const decision = onTick(entry.spec.concurrencyPolicy, state.active);
    if (decision === 'skip') {
      this.deps.log.info({ job: entry.name, scheduledAt: at, active: state.active.map((r) => r.run) }, 'cron tick skipped: a run is still going (concurrencyPolicy Forbid)');
      await this.commit(entry, { ...state, lastScheduledAt }, []);
      return { run: name, started: false, reason: `concurrencyPolicy Forbid: ${state.active.map((r) => r.run).join(', ')} still running` };
    }
    const replaced = decision === 'replace' ? state.active : [];
    const now = this.deps.now();
    const records = await Promise.all(replaced.map((run) => this.record(entry, run, { status: 'Failed', reason: 'Replaced', finishedAt: now })));
    const run: ActiveRun = { run: name, uid: `${entry.uid}-${manual ? 'm' : ''}${Math.floor(at / 1000)}`, scheduledAt: at, startedAt: now, ...(manual ? { manual: true } : {}) };
    const active = [...state.active.filter((r) => !replaced.includes(r)), run];
    await this.commit(entry, { ...state, lastScheduledAt, active, history: this.prune(entry, [...records, ...state.history]) }, records);
    this.deps.log.info({ job: entry.name, run: name, scheduledAt: at, lateMs: now - at, manual }, 'cron run started');
    this.armDeadlines();
    this.deps.onPodsChanged();
    return { run: name, started: true };
  }

  private async finish(job: Job, run: ActiveRun, end: Pick<RunRecord, 'status'> & Partial<Pick<RunRecord, 'exitCode' | 'reason' | 'finishedAt'>>): Promise<void> {
    const state = this.state(job.entry);
    const record = await this.record(job.entry, run, end);
    await this.commit(job.entry, { ...state, active: state.active.filter((r) => r.uid !== run.uid), history: this.prune(job.entry, [record, ...state.history]) }, [record]);
    this.deps.log.info({ job: job.entry.name, run: run.run, status: record.status, exitCode: record.exitCode }, 'cron run ended');
  }

  private async record(entry: DesiredCronJobEntry, run: ActiveRun, end: Pick<RunRecord, 'status'> & Partial<Pick<RunRecord, 'exitCode' | 'reason' | 'finishedAt'>>): Promise<RunRecord> {
    const logTail = await this.deps.logTail(this.runPod(entry, run)).catch(() => [] as string[]);
    return {
      job: entry.name,
      jobUid: entry.uid,
      run: run.run,
      scheduledAt: run.scheduledAt,
      startedAt: run.startedAt,
      finishedAt: end.finishedAt ?? this.deps.now(),
      status: end.status,
      ...(end.exitCode !== undefined ? { exitCode: end.exitCode } : {}),
      ...(end.reason !== undefined ? { reason: end.reason } : {}),
      ...(run.manual ? { manual: true } : {}),
      logTail: logTail.slice(-20).map((line) => line.slice(0, 1024)),
    };
  }

  /** Stores the job's state and the records' events in one fsync'd batch, then takes the new state. */
  private async commit(entry: DesiredCronJobEntry, next: CronJobState, records: readonly RunRecord[]): Promise<void> {
    const events = records.map((run): EventInput => ({ type: 'CronRun', priority: 'high', pod: run.run, reason: run.status, ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}), run }));
    await this.deps.outbox.append(events, [{ sublevel: 'cron', type: 'put', key: entry.uid, value: next }]);
    this.states.set(entry.uid, next);
  }

  /** Kills runs past `activeDeadlineSeconds` (their pods leave the desired set) and records them `DeadlineExceeded`. */
  private async expire(): Promise<void> {
    const now = this.deps.now();
    let changed = false;
    for (const [uid, state] of [...this.states]) {
      const job = this.jobs.get(uid);
      if (!job) continue;
      for (const run of overdue(state.active, job.entry.spec.activeDeadlineSeconds, now)) {
        await this.finish(job, run, { status: 'DeadlineExceeded', reason: 'DeadlineExceeded', finishedAt: now });
        changed = true;
      }
    }
    this.armDeadlines();
    if (changed) this.deps.onPodsChanged();
  }

  private armDeadlines(): void {
    clearTimeout(this.deadlineTimer);
    if (this.stopped) return;
    const next = Math.min(...[...this.states].map(([uid, s]) => nextDeadline(s.active, this.jobs.get(uid)?.entry.spec.activeDeadlineSeconds) ?? Number.POSITIVE_INFINITY));
    if (!Number.isFinite(next)) return;
    this.deadlineTimer = setTimeout(() => void this.serial(() => this.expire()), Math.min(Math.max(0, next - this.deps.now()), 2 ** 31 - 1));
    this.deadlineTimer.unref();
  }

  private runPod(entry: DesiredCronJobEntry, run: ActiveRun): DesiredPod {
    return { uid: run.uid, name: run.run, spec: templateSpec(entry.spec.template) };
  }

  private state(entry: DesiredCronJobEntry): CronJobState {
    return this.states.get(entry.uid) ?? { name: entry.name, lastScheduledAt: undefined, active: [], history: [] };
  }

  private prune(entry: DesiredCronJobEntry, history: RunRecord[]): RunRecord[] {
    return pruneHistory(history, { succeeded: entry.spec.successfulRunsHistoryLimit, failed: entry.spec.failedRunsHistoryLimit });
  }

  private dispose(job: Job): void {
    job.timer?.stop();
    job.schedule.dispose();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const guarded = async (): Promise<T> => {
      if (this.stopped) throw new CorralError(ErrorCode.CommandFailed, 'the agent is stopping');
      return task();
    };
    const run = this.queue.then(guarded, guarded);
    this.queue = run.catch((error: unknown) => {
      if (!this.stopped) this.deps.log.error({ err: error }, 'cron step failed');
    });
    return run;
  }
}
