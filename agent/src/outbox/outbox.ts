import type { AgentEvent } from '../../../protocol/src/index.js';
import type { StoreOp } from '../state/store.js';

/** An event as its producer writes it; the outbox numbers and stamps it. */
export type EventInput = Omit<AgentEvent, 'seq' | 'ts'> & { ts?: number };

/** The part of the agent's store the outbox needs (the real `AgentStore`; tests use one on a temp dir). */
export interface OutboxStore {
  batch(ops: readonly StoreOp[], options: { sync: boolean }): Promise<void>;
  entries<V>(sublevel: 'outbox'): Promise<Array<[string, V]>>;
  getMeta<V>(key: string): Promise<V | undefined>;
}

interface OutboxMeta {
  /** The next sequence number; kept even when every event is acknowledged, so numbers are never reused. */
  nextSeq: number;
  /** Events discarded because the outbox was full, since the data dir was made. */
  dropped: number;
}

export interface OutboxOptions {
  /** Upper bound of the stored events' size (JSON bytes). */
  maxBytes: number;
  now: () => number;
}

/** The smallest bound accepted: room for a few hundred events. */
export const MIN_OUTBOX_BYTES = 16 * 1024;
/** Room kept for the `EventsDropped` report added when events are discarded. */
const DROP_REPORT_BYTES = 256;

const key = (seq: number) => seq.toString().padStart(16, '0');
const size = (event: AgentEvent) => Buffer.byteLength(JSON.stringify(event));

/**
 * The agent's durable outbox (DESIGN.md §4): events are numbered, written to
 * LevelDB (fsync'd, in the same batch as the state change they describe) and
 * kept until the hub acknowledges them. Bounded: when full, the oldest `low`
 * events go first, then the oldest `high` ones, and an `EventsDropped` event
 * says how many. All writes go through one queue, so numbers follow write order.
 */
export class Outbox {
  /** Called after events were stored (the sender sends them). */
  onAppended: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private bytes = 0;
  /** Each pending event's size, so that the total is kept, not recounted (the outbox may hold thousands). */
  private readonly sizes = new Map<number, number>();

  private constructor(
    private readonly store: OutboxStore,
    private readonly events: AgentEvent[],
    private meta: OutboxMeta,
    private readonly options: OutboxOptions,
  ) {
    for (const event of events) this.track(event);
  }

  private track(event: AgentEvent): void {
    const bytes = size(event);
    this.sizes.set(event.seq, bytes);
    this.bytes += bytes;
  }

  private untrack(event: AgentEvent): void {
    this.bytes -= this.sizes.get(event.seq) ?? 0;
    this.sizes.delete(event.seq);
  }

  static async open(store: OutboxStore, options: OutboxOptions): Promise<Outbox> {
    if (options.maxBytes < MIN_OUTBOX_BYTES) throw new RangeError(`outbox maxBytes must be at least ${MIN_OUTBOX_BYTES}`);
    const events = (await store.entries<AgentEvent>('outbox')).map(([, e]) => e);
    const stored = await store.getMeta<OutboxMeta>('outbox');
    const last = events.at(-1)?.seq ?? 0;
    const meta = { nextSeq: Math.max(stored?.nextSeq ?? 1, last + 1), dropped: stored?.dropped ?? 0 };
    return new Outbox(store, events, meta, options);
  }

  /** Events not yet acknowledged. */
  get pending(): number {
    return this.events.length;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  /** Events discarded because the outbox was full (lifetime of the data dir). */
  get dropped(): number {
    return this.meta.dropped;
  }

  /** The sequence number the next event gets. */
  get nextSeq(): number {
    return this.meta.nextSeq;
  }

  /**
   * Numbers and stores `inputs`, together with `also` (e.g. the pod records the
   * events describe) in one fsync'd batch. Rejects when the write fails (disk
   * full): then nothing is stored, no number is used, and the caller retries.
   */
  append(inputs: readonly EventInput[], also: readonly StoreOp[] = []): Promise<AgentEvent[]> {
    return this.serial(async () => {
      if (inputs.length === 0 && also.length === 0) return [];
      const now = this.options.now();
      let seq = this.meta.nextSeq;
      const added = inputs.map((input) => ({ ...input, ts: input.ts ?? now, seq: seq++ }) as AgentEvent);
      const addedBytes = added.reduce((sum, e) => sum + size(e), 0);
      const victims = this.victims(addedBytes);
      if (victims.length > 0) {
        added.push({ seq: seq++, ts: now, type: 'EventsDropped', priority: 'high', count: victims.length, message: 'outbox full: oldest events discarded' });
      }
      const meta: OutboxMeta = { nextSeq: seq, dropped: this.meta.dropped + victims.length };
      const ops: StoreOp[] = [
        ...also,
        ...victims.map((e): StoreOp => ({ sublevel: 'outbox', type: 'del', key: key(e.seq) })),
        ...added.map((e): StoreOp => ({ sublevel: 'outbox', type: 'put', key: key(e.seq), value: e })),
        { sublevel: 'meta', type: 'put', key: 'outbox', value: meta },
      ];
      await this.store.batch(ops, { sync: true });
      if (victims.length > 0) {
        const gone = new Set(victims.map((e) => e.seq));
        for (const victim of victims) this.untrack(victim);
        const kept = this.events.filter((e) => !gone.has(e.seq));
        this.events.splice(0, this.events.length, ...kept);
      }
      for (const event of added) {
        this.events.push(event);
        this.track(event);
      }
      this.meta = meta;
      if (added.length > 0) this.onAppended?.();
      return added;
    });
  }

  /** The oldest pending events, at most `limit` of them and about `maxBytes` (at least one). */
  peek(limit: number, maxBytes: number): AgentEvent[] {
    const out: AgentEvent[] = [];
    let total = 0;
    for (const event of this.events) {
      const bytes = this.sizes.get(event.seq) ?? 0;
      if (out.length >= limit || (out.length > 0 && total + bytes > maxBytes)) break;
      out.push(event);
      total += bytes;
    }
    return out;
  }

  /** Forgets every event up to `upTo` (the hub has stored them). Not fsync'd: a lost delete only means a resend the hub ignores. */
  acknowledge(upTo: number): Promise<number> {
    return this.serial(async () => {
      const done = this.events.filter((e) => e.seq <= upTo);
      if (done.length === 0) return 0;
      await this.store.batch(done.map((e) => ({ sublevel: 'outbox', type: 'del', key: key(e.seq) })), { sync: false });
      for (const event of this.events.splice(0, done.length)) this.untrack(event);
      return done.length;
    });
  }

  /** Which stored events to discard so that `incoming` more bytes fit: oldest low first, then oldest high. */
  private victims(incoming: number): AgentEvent[] {
    let excess = this.bytes + incoming - this.options.maxBytes;
    if (excess <= 0) return [];
    excess += DROP_REPORT_BYTES;
    const out: AgentEvent[] = [];
    for (const priority of ['low', 'high'] as const) {
      for (const event of this.events) {
        if (excess <= 0) return out;
        if (event.priority !== priority) continue;
        out.push(event);
        excess -= this.sizes.get(event.seq) ?? 0;
      }
    }
    return out;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
