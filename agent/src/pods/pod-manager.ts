import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type CommandResult, CorralError, type DesiredCronJobEntry, type DesiredMessage, ErrorCode, type PodStatus } from '../../../protocol/src/index.js';
import type { Reconciler } from '../reconcile/driver.js';
import type { DesiredPod } from '../reconcile/model.js';
import type { Prober } from '../probes/prober.js';
import { type PodCgroupSample, type PodUsage, PodUsageSampler } from '../usage/pod-usage.js';
import type { AgentStore, StoredDesired } from '../state/store.js';
import { type HubContact, desiredReceived, linkLost, linkRestored, offlineFence, offlineMs, startContact } from './offline-fence.js';
import type { PodLayout } from './pod-layout.js';
import { rotateLog, tailLines } from './pod-logs.js';

/** A pod stopped because the hub is out of reach (`fenced: true`), or allowed to run again. */
export interface FenceEvent {
  pod: string;
  uid: string;
  fenced: boolean;
  offlineSeconds: number;
}

/** Node timers overflow past 2^31 ms; a far deadline is checked again within this. */
const MAX_FENCE_TIMER_MS = 3_600_000;

export interface PodManagerOptions {
  store: AgentStore;
  reconciler: Reconciler;
  layout: PodLayout;
  /** Pods from the static pods directory, run whatever the hub says. */
  staticPods: DesiredPod[];
  log: Logger;
  /** Rotate a container log past this size (default 1 MiB). */
  maxLogBytes?: number;
  /** Liveness probes; they run offline too. */
  prober?: Prober;
  /** Removes images no pod uses while disk is short (called every 10 min with the images in use). */
  gcImages?: (inUse: ReadonlySet<string>) => Promise<void>;
  /** Cumulative cgroup figures of the given pods. */
  sampleCgroups?: (pods: ReadonlyArray<{ uid: string; name: string }>) => Promise<PodCgroupSample[]>;
  /** A pod was fenced (`offline.stopAfterSeconds`) or runs again: for the event outbox. */
  onFence?: (event: FenceEvent) => void;
  /** Monotonic ms for the offline fence (default `performance.now`). */
  monotonicNow?: () => number;
  /** The node's CronJobs: told the jobs of every desired state; their run pods run with the others. */
  cron?: {
    setJobs(jobs: readonly DesiredCronJobEntry[]): Promise<void>;
    pods(): DesiredPod[];
    trigger(job: string): Promise<CommandResult<'trigger'>>;
    stop(): Promise<void>;
  };
}

export type DesiredOutcome = 'applied' | 'unchanged' | 'stale';

/**
 * What the node runs: the hub's last desired state (kept in LevelDB, so it is
 * run again after a reboot before and without the hub) plus static pods, less
 * the hub's pods fenced while the hub is out of reach (see `offline-fence.ts`).
 */
export class PodManager {
  private hub: StoredDesired = { generation: 0, pods: [] };
  private rotateTimer: NodeJS.Timeout | undefined;
  private gcTimer: NodeJS.Timeout | undefined;
  private contact: HubContact;
  /** The pods fenced now, by uid. */
  private readonly fencedPods = new Map<string, DesiredPod>();
  private fenceTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: PodManagerOptions) {
    // The agent cannot know how long it was down: its start counts as the last contact.
    this.contact = startContact(this.monotonicNow());
  }

  get generation(): number {
    return this.hub.generation;
  }

  async start(): Promise<void> {
    this.hub = (await this.options.store.loadDesired()) ?? this.hub;
    await this.options.cron?.setJobs(this.hub.cronJobs ?? []);
    this.running = true;
    this.refreshFence(true);
    this.options.reconciler.start();
    this.options.prober?.start();
    this.rotateTimer = setInterval(() => void this.rotateLogs(), 30_000);
    this.rotateTimer.unref();
    this.gcTimer = setInterval(() => void this.gcImages(), 10 * 60_000);
    this.gcTimer.unref();
  }

  private async gcImages(): Promise<void> {
    const inUse = new Set(this.pods().flatMap((p) => p.spec.containers.map((c) => c.image)));
    await this.options.gcImages?.(inUse).catch((error: unknown) => this.options.log.warn({ err: error }, 'image gc failed'));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.options.cron?.stop();
    clearTimeout(this.fenceTimer);
    clearInterval(this.rotateTimer);
    clearInterval(this.gcTimer);
    this.options.prober?.stop();
    await this.options.reconciler.stop();
  }

  /** A desired state from the hub: older generations are refused (a replayed or reordered message). */
  async applyDesired(message: DesiredMessage): Promise<DesiredOutcome> {
    if (message.generation < this.hub.generation) return 'stale';
    if (message.generation === this.hub.generation && this.hub.generation !== 0) {
      this.setContact(desiredReceived(this.contact));
      return 'unchanged';
    }
    const next: StoredDesired = { generation: message.generation, pods: message.pods.map((p) => ({ uid: p.uid, name: p.name, spec: p.spec })), cronJobs: message.cronJobs };
    await this.options.store.saveDesired(next);
    this.hub = next;
    await this.options.cron?.setJobs(next.cronJobs ?? []);
    this.setContact(desiredReceived(this.contact), true);
    return 'applied';
  }

  /** The broker connection came up or went down (`sinceContactMs`: since the last packet from the broker). */
  linkChanged(event: { connected: boolean; sinceContactMs: number }): void {
    const now = this.monotonicNow();
    this.setContact(event.connected ? linkRestored(this.contact, now) : linkLost(this.contact, now - event.sinceContactMs, now));
  }

  private readonly usage = new PodUsageSampler();

  /** Per-pod cpu (millicores, since the previous call) and memory, for heartbeats. */
  async podUsage(now: number): Promise<PodUsage[]> {
    if (!this.options.sampleCgroups) return [];
    return this.usage.next(await this.options.sampleCgroups(this.runnablePods()), now);
  }

  /** The reconciler's pod statuses, and fenced pods as Pending with their containers waiting (`OfflineFenced`). */
  statuses(): PodStatus[] {
    const seconds = Math.floor(offlineMs(this.contact, this.monotonicNow()) / 1000);
    const waiting = { reason: 'OfflineFenced', message: `no contact with the hub for ${seconds}s` };
    const fenced = [...this.fencedPods.values()].map(
      (pod): PodStatus => ({
        name: pod.name,
        uid: pod.uid,
        phase: 'Pending',
        containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, image: c.image, ready: false, restartCount: 0, state: { waiting } })),
      }),
    );
    return [...this.options.reconciler.statuses().filter((s) => !this.fencedPods.has(s.uid)), ...fenced];
  }

  async readLogs(request: { pod: string; container?: string; tail?: number }): Promise<CommandResult<'logs'>> {
    const pod = this.pods().find((p) => p.name === request.pod);
    if (!pod) throw new CorralError(ErrorCode.PodNotFound, `pod ${request.pod} does not run on this node`);
    const names = pod.spec.containers.map((c) => c.name);
    const container = request.container ?? (names.length === 1 ? names[0] : undefined);
    if (!container || !names.includes(container)) {
      throw new CorralError(ErrorCode.PodNotFound, `pod ${request.pod} has no container ${request.container ?? ''} (containers: ${names.join(', ')})`);
    }
    const tail = await tailLines(this.options.layout.logFile(pod.uid, container), request.tail !== undefined ? { tail: request.tail } : {});
    return { container, ...tail };
  }

  private pods(): DesiredPod[] {
    return [...this.options.staticPods, ...this.hub.pods, ...(this.options.cron?.pods() ?? [])];
  }

  /** `corral trigger cronjob`: a run of one of this node's CronJobs, now. */
  async triggerRun(job: string): Promise<CommandResult<'trigger'>> {
    if (!this.options.cron) throw new CorralError(ErrorCode.CronJobNotFound, `cron job ${job} is not on this node`);
    return this.options.cron.trigger(job);
  }

  /** The set of pods changed outside a desired state (a CronJob run started or ended). */
  refresh(): void {
    if (this.running) this.push();
  }

  /** What the reconciler runs: every pod, the fenced ones suspended (stopped, sandbox and records kept). */
  private runnablePods(): DesiredPod[] {
    return this.pods().map((p) => (this.fencedPods.has(p.uid) ? { ...p, suspended: true } : p));
  }

  private push(): void {
    this.options.reconciler.setDesired(this.runnablePods());
  }

  private monotonicNow(): number {
    return this.options.monotonicNow?.() ?? performance.now();
  }

  /** A new contact state; the outage it ends (if any) is what the lifted fences report. */
  private setContact(next: HubContact, forcePush = false): void {
    const now = this.monotonicNow();
    const outageMs = offlineMs(this.contact, now);
    this.contact = next;
    if (this.running) this.refreshFence(forcePush, outageMs);
  }

  /** Recomputes the fence; logs and reports what changed, pushes the pods when needed, and sets the timer for the next change. */
  private refreshFence(forcePush = false, outageMs = 0): void {
    const now = this.monotonicNow();
    const fence = offlineFence(this.hub.pods, this.contact, now);
    const offlineSeconds = Math.floor(Math.max(fence.offlineMs, outageMs) / 1000);
    let changed = false;
    for (const pod of this.hub.pods) {
      if (!fence.fenced.has(pod.uid)) continue;
      const already = this.fencedPods.has(pod.uid);
      this.fencedPods.set(pod.uid, pod);
      if (already) continue;
      changed = true;
      this.options.log.warn({ pod: pod.name, uid: pod.uid, offlineSeconds, stopAfterSeconds: pod.spec.offline?.stopAfterSeconds }, 'no contact with the hub: pod fenced, stopping it');
      this.reportFence({ pod: pod.name, uid: pod.uid, fenced: true, offlineSeconds });
    }
    for (const [uid, pod] of this.fencedPods) {
      if (fence.fenced.has(uid)) continue;
      changed = true;
      this.fencedPods.delete(uid);
      const runsAgain = this.hub.pods.some((p) => p.uid === uid);
      const why = !runsAgain ? 'no longer desired on this node' : this.contact.link === 'up' ? 'desired state received' : 'no desired state since the reconnect';
      this.options.log.info({ pod: pod.name, uid, offlineSeconds, runsAgain }, `pod fence lifted: ${why}`);
      this.reportFence({ pod: pod.name, uid, fenced: false, offlineSeconds });
    }
    if (changed || forcePush) this.push();
    this.scheduleFence(fence.nextChangeAt, now);
  }

  private reportFence(event: FenceEvent): void {
    try {
      this.options.onFence?.(event);
    } catch (error) {
      this.options.log.warn({ err: error, pod: event.pod }, 'fence event not recorded');
    }
  }

  private scheduleFence(at: number | undefined, now: number): void {
    clearTimeout(this.fenceTimer);
    this.fenceTimer = undefined;
    if (at === undefined || !this.running) return;
    this.fenceTimer = setTimeout(() => this.refreshFence(), Math.min(MAX_FENCE_TIMER_MS, Math.max(1, Math.ceil(at - now))));
    this.fenceTimer.unref();
  }

  private async rotateLogs(): Promise<void> {
    const max = this.options.maxLogBytes ?? 1024 * 1024;
    for (const pod of this.pods()) {
      const dir = join(this.options.layout.podDir(pod.uid), 'logs');
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (!name.endsWith('.log')) continue;
        await rotateLog(join(dir, name), max).catch((error: unknown) => this.options.log.warn({ err: error, file: name }, 'log rotation failed'));
      }
    }
  }
}
