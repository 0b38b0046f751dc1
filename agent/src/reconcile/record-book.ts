import type { EventInput } from '../outbox/outbox.js';
import type { ContainerRecord, PodRecords } from './model.js';

export interface RecordPersistence {
  /** Stores a pod's records together with the events that describe the change, atomically. */
  save(uid: string, records: Record<string, ContainerRecord>, events: readonly EventInput[]): Promise<void>;
  forget(uid: string): Promise<void>;
}

/**
 * Per-container records kept in memory and written through to the agent's
 * store on change (container exits and restarts only: never on a timer),
 * in the same batch as the outbox events about the change.
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

  /** Changes one container's record; written (with `events`) before memory changes, so a failed write changes nothing. */
  async update(uid: string, container: string, change: (current: ContainerRecord | undefined) => ContainerRecord, events: readonly EventInput[] = []): Promise<void> {
    const pod = { ...(this.records.get(uid) ?? {}) };
    pod[container] = change(pod[container]);
    await this.persistence.save(uid, pod, events);
    this.records.set(uid, pod);
  }

  async forget(uid: string): Promise<void> {
    if (!this.records.delete(uid)) return;
    await this.persistence.forget(uid);
  }
}
