import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Collection } from '../store/collection.js';
import { type ApplyAction, type DaemonSetRecord, type DeploymentRecord, type WantedWorkload, type WorkloadKind, type WorkloadRecord, applyWorkload } from './workload-record.js';

export interface WorkloadStoreOptions {
  deployments: Collection<DeploymentRecord>;
  daemonSets: Collection<DaemonSetRecord>;
  now: () => number;
  log: Logger;
  newUid?: () => string;
}

type RecordOf<K extends WorkloadKind> = Extract<WorkloadRecord, { kind: K }>;

/**
 * The hub's Deployments and DaemonSets (sublevels `deployments` and `daemonsets`), kept in
 * memory and written through; a single writer applies one change at a time.
 */
export class WorkloadStore {
  private readonly records: { [K in WorkloadKind]: Map<string, RecordOf<K>> } = { Deployment: new Map(), DaemonSet: new Map() };
  private readonly listeners = new Set<() => void>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: WorkloadStoreOptions) {}

  async load(): Promise<void> {
    for (const [name, record] of await this.options.deployments.entries()) this.records.Deployment.set(name, record);
    for (const [name, record] of await this.options.daemonSets.entries()) this.records.DaemonSet.set(name, record);
  }

  list<K extends WorkloadKind>(kind: K): Array<RecordOf<K>> {
    const map = this.records[kind] as Map<string, RecordOf<K>>;
    return [...map.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get<K extends WorkloadKind>(kind: K, name: string): RecordOf<K> | undefined {
    return (this.records[kind] as Map<string, RecordOf<K>>).get(name);
  }

  /** Calls `listener` after every committed change; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Create-or-update by kind and name (`applyWorkload`); an unchanged workload is not written. */
  apply(wanted: WantedWorkload): Promise<{ action: ApplyAction; record: WorkloadRecord }> {
    return this.serialize(async () => {
      const result = applyWorkload(wanted, { prev: this.get(wanted.kind, wanted.name), now: this.options.now(), newUid: this.options.newUid ?? randomUUID });
      if (result.action === 'unchanged') return result;
      await this.put(result.record);
      this.options.log.info({ kind: wanted.kind, name: wanted.name, generation: result.record.generation, action: result.action }, 'workload applied');
      this.changed();
      return result;
    });
  }

  /** Deletes a workload (its controller then deletes its pods); undefined when there is none. */
  delete<K extends WorkloadKind>(kind: K, name: string): Promise<RecordOf<K> | undefined> {
    return this.serialize(async () => {
      const existing = this.get(kind, name);
      if (!existing) return undefined;
      if (kind === 'Deployment') await this.options.deployments.del(name);
      else await this.options.daemonSets.del(name);
      this.records[kind].delete(name);
      this.options.log.info({ kind, name }, 'workload deleted');
      this.changed();
      return existing;
    });
  }

  /** Waits for every queued change to be written. */
  flush(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  private async put(record: WorkloadRecord): Promise<void> {
    if (record.kind === 'Deployment') {
      await this.options.deployments.put(record.name, record);
      this.records.Deployment.set(record.name, record);
    } else {
      await this.options.daemonSets.put(record.name, record);
      this.records.DaemonSet.set(record.name, record);
    }
  }

  private changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.options.log.error({ err: error }, 'workload change listener failed');
      }
    }
  }

  private serialize<T>(change: () => Promise<T>): Promise<T> {
    const result = this.tail.then(change, change);
    this.tail = result.catch((error: unknown) => this.options.log.error({ err: error }, 'workload store write failed'));
    return result;
  }
}
