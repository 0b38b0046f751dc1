import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type CommandResult, CorralError, type DesiredMessage, ErrorCode, type PodStatus } from '../../../protocol/src/index.js';
import type { Reconciler } from '../reconcile/driver.js';
import type { DesiredPod } from '../reconcile/model.js';
import type { Prober } from '../probes/prober.js';
import { type PodCgroupSample, type PodUsage, PodUsageSampler } from '../usage/pod-usage.js';
import type { AgentStore, StoredDesired } from '../state/store.js';
import type { PodLayout } from './pod-layout.js';
import { rotateLog, tailLines } from './pod-logs.js';

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
}

export type DesiredOutcome = 'applied' | 'unchanged' | 'stale';

/**
 * What the node runs: the hub's last desired state (kept in LevelDB, so it is
 * run again after a reboot before and without the hub) plus static pods.
 */
export class PodManager {
  private hub: StoredDesired = { generation: 0, pods: [] };
  private rotateTimer: NodeJS.Timeout | undefined;
  private gcTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PodManagerOptions) {}

  get generation(): number {
    return this.hub.generation;
  }

  async start(): Promise<void> {
    this.hub = (await this.options.store.loadDesired()) ?? this.hub;
    this.push();
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
    clearInterval(this.rotateTimer);
    clearInterval(this.gcTimer);
    this.options.prober?.stop();
    await this.options.reconciler.stop();
  }

  /** A desired state from the hub: older generations are refused (a replayed or reordered message). */
  async applyDesired(message: DesiredMessage): Promise<DesiredOutcome> {
    if (message.generation < this.hub.generation) return 'stale';
    if (message.generation === this.hub.generation && this.hub.generation !== 0) return 'unchanged';
    const next: StoredDesired = { generation: message.generation, pods: message.pods.map((p) => ({ uid: p.uid, name: p.name, spec: p.spec })) };
    await this.options.store.saveDesired(next);
    this.hub = next;
    this.push();
    return 'applied';
  }

  private readonly usage = new PodUsageSampler();

  /** Per-pod cpu (millicores, since the previous call) and memory, for heartbeats. */
  async podUsage(now: number): Promise<PodUsage[]> {
    if (!this.options.sampleCgroups) return [];
    return this.usage.next(await this.options.sampleCgroups(this.pods()), now);
  }

  statuses(): PodStatus[] {
    return this.options.reconciler.statuses();
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
    return [...this.options.staticPods, ...this.hub.pods];
  }

  private push(): void {
    this.options.reconciler.setDesired(this.pods());
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
