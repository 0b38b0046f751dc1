import type { Logger } from 'pino';
import type { HeartbeatMessage, StateMessage, StatusMessage } from '../../../protocol/src/index.js';
import type { Collection } from '../store/collection.js';
import { type NodeRecord, applyCordon, applyHeartbeat, applyStatus, durableRecord, expireHeartbeat, markLost, restoreRecord } from './node-record.js';

export interface NodeRegistryOptions {
  /** How long a Ready node may stay silent before it is NotReady. */
  graceMs: number;
  /** How long a node may be NotReady before it is shown as Lost (default 30 s). */
  lostMs?: number;
  now: () => number;
  log: Logger;
}

/**
 * The hub's node registry: pure transitions from node-record.ts applied one
 * at a time (a single writer), kept in memory, and written to the store only
 * when something durable changed — heartbeats alone never touch the disk.
 */
export class NodeRegistry {
  private readonly nodes = new Map<string, NodeRecord>();
  /** Last `state` of each node: its pods as the agent sees them. Rebuilt from agents, never persisted. */
  private readonly observed = new Map<string, StateMessage>();
  private readonly listeners = new Set<(name: string) => void>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Collection<NodeRecord>,
    private readonly options: NodeRegistryOptions,
  ) {}

  /** Loads the stored registry; every node starts as not heard from. */
  async load(): Promise<void> {
    const now = this.options.now();
    for (const [name, stored] of await this.store.entries()) {
      this.nodes.set(name, restoreRecord(stored, now));
    }
  }

  list(): NodeRecord[] {
    return [...this.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): NodeRecord | undefined {
    return this.nodes.get(name);
  }

  onStatus(name: string, msg: StatusMessage): Promise<void> {
    return this.write(name, (prev, now) => applyStatus(prev, name, msg, now));
  }

  /** Returns false when the node is unknown (a heartbeat before any status). */
  async onHeartbeat(name: string, msg: HeartbeatMessage): Promise<boolean> {
    if (!this.nodes.has(name)) return false;
    await this.write(name, (prev, now) => (prev ? applyHeartbeat(prev, msg, now) : undefined));
    return true;
  }

  /** Keeps the node's observed pods (listeners hear of it: pod readiness paces rolling updates); false when the node is unknown. */
  onState(name: string, msg: StateMessage): boolean {
    if (!this.nodes.has(name)) return false;
    this.observed.set(name, msg);
    for (const listener of this.listeners) listener(name);
    return true;
  }

  observedState(name: string): StateMessage | undefined {
    return this.observed.get(name);
  }

  /** Cordons or uncordons a node; false when the node is unknown. */
  async setUnschedulable(name: string, unschedulable: boolean): Promise<boolean> {
    if (!this.nodes.has(name)) return false;
    await this.write(name, (prev) => (prev ? applyCordon(prev, unschedulable) : undefined));
    return true;
  }

  /** Removes a node from the registry and its store (`corral delete node`); false when unknown. Listeners hear of it. */
  forget(name: string): Promise<boolean> {
    const run = async () => {
      if (!this.nodes.has(name)) return false;
      this.nodes.delete(name);
      this.observed.delete(name);
      await this.store.del(name);
      this.options.log.info({ node: name }, 'node removed from the registry');
      for (const listener of this.listeners) listener(name);
      return true;
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch((error: unknown) => this.options.log.error({ err: error, node: name }, 'registry write failed'));
    return result;
  }

  /**
   * Calls `listener` with the node's name after a durable change of it (registration, phase,
   * labels, allocatable, cordon) and after each state report, never for heartbeat figures
   * alone; returns the unsubscribe.
   */
  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Marks Ready nodes that stopped sending heartbeats as NotReady. */
  async sweep(): Promise<void> {
    for (const name of this.nodes.keys()) {
      await this.write(name, (prev, now) => (prev ? markLost(expireHeartbeat(prev, now, this.options.graceMs), now, this.options.lostMs ?? 30_000) : undefined));
    }
  }

  /** Waits for every queued transition to be applied and written. */
  flush(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  private write(name: string, change: (prev: NodeRecord | undefined, now: number) => NodeRecord | undefined): Promise<void> {
    const run = async () => {
      const prev = this.nodes.get(name);
      const next = change(prev, this.options.now());
      if (!next || next === prev) return;
      this.nodes.set(name, next);
      if (prev && prev.phase !== next.phase) {
        this.options.log.info({ node: name, phase: next.phase, reason: next.ready.reason }, 'node phase changed');
      } else if (!prev) {
        this.options.log.info({ node: name, arch: next.info.architecture }, 'node registered');
      }
      const durable = durableRecord(next);
      if (!prev || JSON.stringify(durableRecord(prev)) !== JSON.stringify(durable)) {
        await this.store.put(name, durable);
        for (const listener of this.listeners) listener(name);
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch((error: unknown) => this.options.log.error({ err: error, node: name }, 'registry write failed'));
    return result;
  }
}
