import type { ContainerRecord, PodRecords } from './model.js';

export interface RecordPersistence {
  save(uid: string, records: Record<string, ContainerRecord>): Promise<void>;
  forget(uid: string): Promise<void>;
}

/**
 * Per-container records kept in memory and written through to the agent's
 * store on change (container exits and restarts only: never on a timer).
 */
export class RecordBook {
  private readonly records: Map<string, Record<string, ContainerRecord>>;

  constructor(
    initial: ReadonlyMap<string, Record<string, ContainerRecord>>,
    private readonly persistence: RecordPersistence,
  ) {
    this.records = new Map(initial);
  }

  snapshot(): PodRecords {
    return this.records;
  }

  get(uid: string, container: string): ContainerRecord | undefined {
    return this.records.get(uid)?.[container];
  }

  async update(uid: string, container: string, change: (current: ContainerRecord | undefined) => ContainerRecord): Promise<void> {
    const pod = { ...(this.records.get(uid) ?? {}) };
    pod[container] = change(pod[container]);
    this.records.set(uid, pod);
    await this.persistence.save(uid, pod);
  }

  async forget(uid: string): Promise<void> {
    if (!this.records.delete(uid)) return;
    await this.persistence.forget(uid);
  }
}
