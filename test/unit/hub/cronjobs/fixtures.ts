import { CronJobSpec, type OnNodeLost } from '../../../../protocol/src/index.js';
import { CronJobController, type CronJobRecord, CronJobStore } from '../../../../hub/src/cronjobs/index.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import type { ScheduleFn } from '../../../../hub/src/workloads/index.js';
import { silentLog } from '../fixtures.js';
import { ControllerFixture } from '../workloads/controller-fixture.js';
import { T0, schedulerConfig, standInSchedule, template } from '../workloads/fixtures.js';

export { T0 };

/** A parsed CronJob spec: every minute, one busybox container, overridden by `spec`. */
export function cronJobSpec(spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): CronJobSpec {
  return CronJobSpec.parse({ schedule: '* * * * *', template: template({ app: 'job' }, extra), ...spec });
}

export function cronJob(name: string, spec: Record<string, unknown> = {}, options: { uid?: string; node?: string; extra?: Record<string, unknown>; createdAt?: number } = {}): CronJobRecord {
  return {
    kind: 'CronJob',
    uid: options.uid ?? `uid-${name}`,
    name,
    labels: {},
    generation: 1,
    createdAt: options.createdAt ?? T0,
    spec: cronJobSpec(spec, options.extra),
    ...(options.node === undefined ? {} : { placement: { node: options.node, since: T0 } }),
  };
}

export const DEFAULT_LOST: OnNodeLost = { policy: 'reschedule', lostAfterSeconds: 30 };

/**
 * The workload fixture (registry, pod store, recording sink, fake clock) plus a CronJob store
 * on an in-memory collection and its controller, passes on changes only (no tick).
 */
export class CronFixture extends ControllerFixture {
  readonly cronCollection: MemoryCollection<CronJobRecord>;
  readonly cronJobs: CronJobStore;
  readonly cron: CronJobController;

  constructor(options: { schedule?: ScheduleFn; cronCollection?: MemoryCollection<CronJobRecord> } = {}) {
    super(options.schedule ?? standInSchedule);
    const now = () => this.clock.now;
    this.cronCollection = options.cronCollection ?? new MemoryCollection<CronJobRecord>();
    this.cronJobs = new CronJobStore({ cronJobs: this.cronCollection, now, log: silentLog, newUid: () => `cj-${Math.random().toString(36).slice(2, 10)}` });
    this.cron = new CronJobController({ cronJobs: this.cronJobs, pods: this.pods, nodes: this.registry, schedule: options.schedule ?? standInSchedule, schedulerConfig, now, log: silentLog });
  }

  async startCron(): Promise<void> {
    await this.cronJobs.load();
    this.cron.start({ tickMs: 0 });
    await this.settle();
  }

  override async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await super.settle();
      await this.cron?.settled();
      await this.cronJobs?.flush();
    }
    await super.settle();
    await this.cron?.settled();
  }

  override async advance(ms: number): Promise<void> {
    this.clock.now += ms;
    this.cron.kick();
    await super.advance(0);
    await this.settle();
  }

  async applyCronJob(name: string, spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<CronJobRecord> {
    const { record } = await this.cronJobs.apply({ name, labels: {}, spec: cronJobSpec(spec, extra) });
    await this.settle();
    return record;
  }

  /** Job names in the node's last published desired state. */
  cronJobsOn(node: string): string[] {
    return this.sink.last(node)?.message.cronJobs.map((j) => j.name) ?? [];
  }

  override async stop(): Promise<void> {
    await this.cron.stop();
    await super.stop();
  }
}
