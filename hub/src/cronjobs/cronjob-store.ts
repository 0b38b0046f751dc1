import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Collection } from '../store/collection.js';
import type { ApplyAction } from '../workloads/workload-record.js';
import { type CronJobRecord, type WantedCronJob, applyCronJob } from './cronjob-record.js';

export interface CronJobStoreOptions {
  cronJobs: Collection<CronJobRecord>;
  now: () => number;
  log: Logger;
  newUid?: () => string;
}

/**
 * The hub's CronJobs (sublevel `cronjobs`), kept in memory and written through, one
 * change at a time: applies and deletes from the API, placements from the controller.
 */
export class CronJobStore {
  private readonly records = new Map<string, CronJobRecord>();
  private readonly listeners = new Set<() => void>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CronJobStoreOptions) {}

  async load(): Promise<void> {
    for (const [name, record] of await this.options.cronJobs.entries()) this.records.set(name, record);
  }

  list(): CronJobRecord[] {
    return [...this.records.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): CronJobRecord | undefined {
    return this.records.get(name);
  }

  /** Calls `listener` after every committed change; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Create-or-update by name (`applyCronJob`); an unchanged job is not written. */
  apply(wanted: WantedCronJob): Promise<{ action: ApplyAction; record: CronJobRecord }> {
    return this.serialize(async () => {
      const result = applyCronJob(wanted, { prev: this.records.get(wanted.name), now: this.options.now(), newUid: this.options.newUid ?? randomUUID });
      if (result.action === 'unchanged') return result;
      await this.put(result.record);
      this.options.log.info({ kind: 'CronJob', name: wanted.name, generation: result.record.generation, action: result.action }, 'cron job applied');
      this.changed();
      return result;
    });
  }

  /**
   * Records where a `OneNode` job runs (`node` undefined: nowhere). `uid` must still be the
   * job's (a job deleted and re-created meanwhile is left alone); false when it is not.
   */
  place(name: string, options: { uid: string; node: string | undefined }): Promise<boolean> {
    return this.serialize(async () => {
      const existing = this.records.get(name);
      if (!existing || existing.uid !== options.uid) return false;
      if (existing.placement?.node === options.node) return true;
      const { placement: _previous, ...rest } = existing;
      const record: CronJobRecord = options.node === undefined ? rest : { ...rest, placement: { node: options.node, since: this.options.now() } };
      await this.put(record);
      this.changed();
      return true;
    });
  }

  /** Deletes a job (the controller then takes it out of its nodes' desired states); undefined when there is none. */
  delete(name: string): Promise<CronJobRecord | undefined> {
    return this.serialize(async () => {
      const existing = this.records.get(name);
      if (!existing) return undefined;
      await this.options.cronJobs.del(name);
      this.records.delete(name);
      this.options.log.info({ kind: 'CronJob', name }, 'cron job deleted');
      this.changed();
      return existing;
    });
  }

  /** Waits for every queued change to be written. */
  flush(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  private async put(record: CronJobRecord): Promise<void> {
    await this.options.cronJobs.put(record.name, record);
    this.records.set(record.name, record);
  }

  private changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.options.log.error({ err: error }, 'cron job change listener failed');
      }
    }
  }

  private serialize<T>(change: () => Promise<T>): Promise<T> {
    const result = this.tail.then(change, change);
    this.tail = result.catch((error: unknown) => this.options.log.error({ err: error }, 'cron job store write failed'));
    return result;
  }
}
