import type { Logger } from 'pino';
import type { AgentEvent, EventsMessage } from '../../../protocol/src/index.js';
import type { LevelStore, StoreOp } from '../store/level-store.js';

/** Per node: whose sequence numbers were seen and how far, with counters. Stored with the events, atomically. */
export interface EventCursor {
  /** The agent identity the numbers belong to (a wiped data dir starts again at 1 under a new uid). */
  uid: string;
  lastSeq: number;
  /** Events stored for this node, over all its identities; the key counter of its stored events. */
  stored: number;
  /** Events received again (redelivery after a lost ack or an agent restart) and ignored. */
  duplicates: number;
  /** Numbers never received (the agent's outbox was full and discarded them). */
  missing: number;
}

/** An event as the hub keeps it. */
export interface StoredEvent extends AgentEvent {
  node: string;
  uid: string;
  receivedAt: number;
}

export interface EventLogOptions {
  now: () => number;
  log: Logger;
  /** Events kept per node (oldest deleted first); default DEFAULT_RETAIN_PER_NODE. */
  retainPerNode?: number;
}

/** Events kept per node by default: cron runs add up (a job every minute is 1440 runs a day). */
export const DEFAULT_RETAIN_PER_NODE = 5000;

/** Which events `list` returns: of one node, one pod, one type, one CronJob (`CronRun` events whose run names it). */
export interface EventFilter {
  node?: string;
  pod?: string;
  type?: AgentEvent['type'];
  job?: string;
  limit?: number;
}

function matches(event: StoredEvent, filter: EventFilter): boolean {
  if (filter.pod !== undefined && event.pod !== filter.pod) return false;
  if (filter.type !== undefined && event.type !== filter.type) return false;
  if (filter.job !== undefined && event.run?.job !== filter.job) return false;
  return true;
}

export interface ReceiveOutcome {
  /** Cumulative acknowledgement for the agent: everything up to here is stored. */
  upTo: number;
  accepted: number;
  duplicates: number;
}

const EVENTS = 'events';
const CURSORS = 'event-cursors';
const key = (node: string, n: number) => `${node}/${n.toString().padStart(12, '0')}`;

/**
 * The hub side of the agents' outboxes: accepts each (agent, seq) once, in
 * order, storing the events and the node's cursor in one batch, so delivery
 * is exactly-once across agent crashes, resends and hub restarts.
 */
export class EventLog {
  private readonly cursors = new Map<string, EventCursor>();
  private readonly listeners = new Set<(node: string, events: readonly StoredEvent[]) => void>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: LevelStore,
    private readonly options: EventLogOptions,
  ) {}

  async load(): Promise<void> {
    for (const [node, cursor] of await this.store.scan<EventCursor>(CURSORS, {})) this.cursors.set(node, cursor);
  }

  nodes(): string[] {
    return [...this.cursors.keys()].sort();
  }

  cursor(node: string): EventCursor | undefined {
    return this.cursors.get(node);
  }

  /** Stores the events of `message` that are new; one at a time, so two deliveries of a batch cannot both pass. */
  receive(node: string, message: EventsMessage): Promise<ReceiveOutcome> {
    const run = this.queue.then(() => this.accept(node, message));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Calls `listener` with the events newly stored for a node, after they are written; returns the unsubscribe. */
  onStored(listener: (node: string, events: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Newest first, at most `limit`, optionally of one node, one pod, one type, one CronJob. */
  async list(filter: EventFilter): Promise<StoredEvent[]> {
    const limit = Math.min(filter.limit ?? 100, 10_000);
    const nodes = filter.node !== undefined ? [filter.node] : [...this.cursors.keys()];
    const filtered = filter.pod !== undefined || filter.type !== undefined || filter.job !== undefined;
    const out: StoredEvent[] = [];
    for (const node of nodes) {
      const range = { gte: `${node}/`, lt: `${node}/~`, reverse: true, ...(filtered ? {} : { limit }) };
      for (const [, event] of await this.store.scan<StoredEvent>(EVENTS, range)) {
        if (matches(event, filter)) out.push(event);
      }
    }
    return out.sort((a, b) => b.receivedAt - a.receivedAt || b.ts - a.ts || b.seq - a.seq).slice(0, limit);
  }

  private async accept(node: string, message: EventsMessage): Promise<ReceiveOutcome> {
    const previous = this.cursors.get(node);
    const base: EventCursor = previous && previous.uid === message.uid ? previous : { uid: message.uid, lastSeq: 0, stored: previous?.stored ?? 0, duplicates: previous?.duplicates ?? 0, missing: previous?.missing ?? 0 };
    if (previous && previous.uid !== message.uid) this.options.log.info({ node, uid: message.uid, previous: previous.uid }, 'node has a new identity: its event numbers start again');
    const cursor = { ...base };
    const ops: StoreOp[] = [];
    const stored: StoredEvent[] = [];
    const receivedAt = this.options.now();
    let accepted = 0;
    for (const event of message.events) {
      if (event.seq <= cursor.lastSeq) {
        cursor.duplicates += 1;
        continue;
      }
      cursor.missing += event.seq - cursor.lastSeq - 1;
      cursor.lastSeq = event.seq;
      cursor.stored += 1;
      accepted += 1;
      const value: StoredEvent = { ...event, node, uid: message.uid, receivedAt };
      stored.push(value);
      ops.push({ collection: EVENTS, type: 'put', key: key(node, cursor.stored), value });
      const retain = this.options.retainPerNode ?? DEFAULT_RETAIN_PER_NODE;
      if (cursor.stored > retain) ops.push({ collection: EVENTS, type: 'del', key: key(node, cursor.stored - retain) });
    }
    ops.push({ collection: CURSORS, type: 'put', key: node, value: cursor });
    await this.store.batch(ops);
    this.cursors.set(node, cursor);
    if (stored.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(node, stored);
        } catch (error) {
          this.options.log.error({ err: error, node }, 'event listener failed');
        }
      }
    }
    return { upTo: cursor.lastSeq, accepted, duplicates: message.events.length - accepted };
  }
}
