import type { Logger } from 'pino';
import type { Container, PodStatus } from '../../../protocol/src/index.js';
import { backoffDelay } from '../backoff.js';
import type { EventInput } from '../outbox/outbox.js';
import { afterExit, afterRestart, backoffDelayMs, freshRestartState } from './crash-loop.js';
import type { DesiredPod, ImageState, ObservedPod, Termination } from './model.js';
import { plan } from './plan.js';
import { podStatus } from './pod-status.js';
import type { RecordBook } from './record-book.js';
import type { Executors, Step } from './steps.js';

/** The effectful operations the reconciler drives: images, the OCI runtime and the pod network. */
export interface PodOperations {
  observe(): Promise<ObservedPod[]>;
  presentImages(): { has(image: string): boolean };
  pullImage(image: string): Promise<void>;
  createSandbox(pod: DesiredPod): Promise<void>;
  startContainer(pod: DesiredPod, container: Container): Promise<void>;
  stopContainer(step: { podUid: string; container: string; id: string; graceMs: number }): Promise<void>;
  removeContainer(step: { podUid: string; container: string; id: string }): Promise<void>;
  removeSandbox(podUid: string): Promise<void>;
}

export interface ReconcilerOptions {
  ops: PodOperations;
  records: RecordBook;
  now: () => number;
  log: Logger;
  /** Called after a pass when any pod's status changed. */
  onStatus?: (statuses: PodStatus[]) => void;
  /** Observe again at least this often, to notice exits (default 2 s). */
  resyncMs?: number;
  /** Records events that come with no record change (container starts) in the outbox. */
  emit?: (events: EventInput[]) => Promise<void>;
}

/** Exits that are worth keeping longest when the outbox is full. */
const notableExits = new Set<Termination['reason']>(['OOMKilled', 'LivenessProbeFailed', 'StartError']);

function exitEvent(pod: string | undefined, podUid: string, container: string, termination: Termination): EventInput {
  return {
    type: 'ContainerExited',
    priority: notableExits.has(termination.reason) ? 'high' : 'low',
    ...(pod !== undefined ? { pod } : {}),
    podUid,
    container,
    reason: termination.reason,
    exitCode: termination.exitCode,
    ts: termination.finishedAt,
  };
}

const MAX_ROUNDS = 16;
const failureBackoff = { baseMs: 1000, maxMs: 30_000 };

/**
 * The thin driver around the pure `plan`: observe, plan, execute, repeat until
 * the plan is empty; then sleep until a back-off ends, the next resync, or a
 * trigger (new desired state). Unexpected failures back off with jitter.
 */
export class Reconciler {
  private desired: DesiredPod[] = [];
  private observed: ObservedPod[] = [];
  private readonly pullBackoff = new Map<string, { failures: number; notBefore: number; message: string }>();
  /** Pods whose last step failed unexpectedly, and when to try them again. */
  private readonly podBackoff = new Map<string, { failures: number; notBefore: number }>();
  /** Each pod's termination grace, remembered past its deletion (a deleted pod is stopped with its own grace). */
  private readonly graceMs = new Map<string, number>();
  private readonly executors: Executors;
  private lastStatuses = '';
  private failureStreak = 0;
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private triggered = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.executors = this.buildExecutors();
  }

  setDesired(pods: DesiredPod[]): void {
    this.desired = pods;
    for (const pod of pods) this.graceMs.set(pod.uid, pod.spec.terminationGracePeriodSeconds * 1000);
    this.trigger();
  }

  /** Asks for a pass as soon as the current one ends. */
  trigger(): void {
    this.triggered = true;
    this.wake?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Desired pods with what the last pass observed of them. */
  pods(): Array<{ pod: DesiredPod; observed: ObservedPod | undefined }> {
    const byUid = new Map(this.observed.map((p) => [p.uid, p]));
    return this.desired.map((pod) => ({ pod, observed: byUid.get(pod.uid) }));
  }

  statuses(): PodStatus[] {
    const byUid = new Map(this.observed.map((p) => [p.uid, p]));
    const images = this.imageState();
    const records = this.options.records.snapshot();
    const now = this.options.now();
    return this.desired.map((pod) => podStatus(pod, byUid.get(pod.uid), { records: records.get(pod.uid), images, now }));
  }

  /**
   * One complete pass; exposed for tests that drive the loop by hand. A step
   * that fails puts its pod in a jittered back-off (its other steps wait too);
   * the other pods go on.
   */
  async pass(): Promise<number | undefined> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      this.observed = await this.options.ops.observe();
      const now = this.options.now();
      const result = plan({ desired: this.desired, observed: this.observed, records: this.options.records.snapshot(), images: this.imageState(), now });
      const blocked = [...this.podBackoff.entries()].filter(([, b]) => b.notBefore > now);
      const blockedUids = new Set(blocked.map(([uid]) => uid));
      const steps = result.steps.filter((step) => !blockedUids.has(podOf(step) ?? ''));
      const wakes = [result.wakeAt, ...blocked.map(([, b]) => b.notBefore)].filter((t): t is number => t !== undefined);
      if (steps.length === 0) {
        this.publishStatuses();
        return wakes.length > 0 ? Math.min(...wakes) : undefined;
      }
      let failed = false;
      for (const step of steps) {
        const uid = podOf(step);
        if (uid !== undefined && blockedUids.has(uid)) continue;
        try {
          await (this.executors[step.kind] as (s: Step) => Promise<void>)(step);
          if (uid !== undefined) this.podBackoff.delete(uid);
        } catch (error) {
          failed = true;
          const failures = (this.podBackoff.get(uid ?? '')?.failures ?? 0) + 1;
          const notBefore = this.options.now() + Math.max(200, backoffDelay(failures, failureBackoff));
          if (uid !== undefined) {
            this.podBackoff.set(uid, { failures, notBefore });
            blockedUids.add(uid);
          }
          this.options.log.error({ err: error, step: describe(step), failures }, 'reconcile step failed');
        }
      }
      if (failed) this.publishStatuses();
    }
    this.publishStatuses();
    return this.options.now();
  }

  private async run(): Promise<void> {
    const resync = this.options.resyncMs ?? 2000;
    while (this.running) {
      this.triggered = false;
      let wakeAt: number | undefined;
      try {
        wakeAt = await this.pass();
        this.failureStreak = 0;
      } catch (error) {
        this.failureStreak += 1;
        this.options.log.error({ err: error }, 'observing pods failed');
        wakeAt = this.options.now() + backoffDelay(this.failureStreak, failureBackoff);
      }
      if (!this.running) break;
      if (this.triggered) continue;
      const delay = Math.max(0, Math.min(resync, (wakeAt ?? Number.POSITIVE_INFINITY) - this.options.now()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private imageState(): ImageState {
    return { present: this.options.ops.presentImages(), pullBackoff: this.pullBackoff };
  }

  private publishStatuses(): void {
    const statuses = this.statuses();
    const text = JSON.stringify(statuses);
    if (text === this.lastStatuses) return;
    this.lastStatuses = text;
    this.options.onStatus?.(statuses);
  }

  /** A pod's name, while it is desired or still observed. */
  private podName(uid: string): string | undefined {
    return this.desired.find((p) => p.uid === uid)?.name ?? this.observed.find((p) => p.uid === uid)?.name;
  }

  private buildExecutors(): Executors {
    const { ops, records, now, log } = this.options;
    return {
      pullImage: async ({ image }) => {
        try {
          await ops.pullImage(image);
          this.pullBackoff.delete(image);
        } catch (error) {
          const failures = (this.pullBackoff.get(image)?.failures ?? 0) + 1;
          const message = (error as Error).message.slice(0, 1024);
          this.pullBackoff.set(image, { failures, notBefore: now() + backoffDelayMs(failures), message });
          log.warn({ image, failures, err: error }, 'image pull failed; backing off');
        }
      },
      createSandbox: async ({ pod }) => ops.createSandbox(pod),
      startContainer: async ({ pod, container }) => {
        const restarting = records.get(pod.uid, container.name)?.lastTermination !== undefined;
        try {
          await ops.startContainer(pod, container);
        } catch (error) {
          const at = now();
          log.warn({ pod: pod.name, container: container.name, err: error }, 'container failed to start');
          const termination = { exitCode: 128, reason: 'StartError' as const, startedAt: at, finishedAt: at };
          const event = { ...exitEvent(pod.name, pod.uid, container.name, termination), message: (error as Error).message.slice(0, 1024) };
          await records.update(pod.uid, container.name, (r) => ({ restart: afterExit(r?.restart ?? freshRestartState, termination), lastTermination: termination }), [event]);
          return;
        }
        const started: EventInput = { type: 'ContainerStarted', priority: 'low', pod: pod.name, podUid: pod.uid, container: container.name };
        if (restarting) {
          await records.update(pod.uid, container.name, (r) => ({ ...(r ?? { restart: freshRestartState }), restart: afterRestart(r?.restart ?? freshRestartState) }), [started]);
        } else {
          await this.options.emit?.([started]).catch((error: unknown) => log.warn({ err: error }, 'start event not recorded'));
        }
      },
      recordExit: async ({ podUid, container, termination, willRestart }) => {
        const event = exitEvent(this.podName(podUid), podUid, container, termination);
        await records.update(
          podUid,
          container,
          (r) => {
            const restart = r?.restart ?? freshRestartState;
            return { restart: willRestart ? afterExit(restart, termination) : restart, lastTermination: termination };
          },
          [event],
        );
        log.info({ pod: podUid, container, exitCode: termination.exitCode, reason: termination.reason, willRestart }, 'container exited');
      },
      stopContainer: async ({ podUid, container, id }) => {
        await ops.stopContainer({ podUid, container, id, graceMs: this.graceMs.get(podUid) ?? 10_000 });
      },
      removeContainer: async (step) => ops.removeContainer(step),
      removeSandbox: async ({ podUid }) => ops.removeSandbox(podUid),
      forgetPod: async ({ podUid }) => {
        this.graceMs.delete(podUid);
        await records.forget(podUid);
      },
    };
  }
}

/** The pod a step acts on (image pulls are shared and belong to none). */
function podOf(step: Step): string | undefined {
  switch (step.kind) {
    case 'pullImage':
      return undefined;
    case 'createSandbox':
    case 'startContainer':
      return step.pod.uid;
    default:
      return step.podUid;
  }
}

function describe(step: Step): string {
  switch (step.kind) {
    case 'pullImage':
      return `pull ${step.image}`;
    case 'createSandbox':
    case 'startContainer':
      return `${step.kind} ${step.pod.name}${step.kind === 'startContainer' ? `/${step.container.name}` : ''}`;
    default:
      return `${step.kind} ${step.podUid}${'container' in step ? `/${step.container}` : ''}`;
  }
}
