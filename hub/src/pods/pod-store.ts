import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type PodSpec, type Result, err, isNodeName, ok } from '../../../protocol/src/index.js';
import type { Collection } from '../store/collection.js';
import { type DesiredRejection, type NodeCronJob, desiredState, encodeDesired } from './desired-state.js';
import type { DesiredSink } from './desired-publisher.js';
import { type PodOwner, type PodRecord, isSamePod, sameJson } from './pod-record.js';

/**
 * Per node (sublevel `desired-generations`): the generation of the last desired state the hub
 * committed and the CronJobs it carried (absent: none), written together in one put so a
 * republish after a restart sends the very message that generation had.
 */
export interface NodeDesiredRecord {
  generation: number;
  cronJobs?: NodeCronJob[];
}

export interface PodStoreOptions {
  pods: Collection<PodRecord>;
  generations: Collection<NodeDesiredRecord>;
  desired: DesiredSink;
  /** Whether a node is registered (the node registry). */
  isNode: (name: string) => boolean;
  now: () => number;
  log: Logger;
  newUid?: () => string;
}

/** A pod to create, as validated from a manifest or made by a workload controller. */
export interface NewPod {
  name: string;
  labels: Record<string, string>;
  spec: PodSpec;
  owner?: PodOwner;
}

/** Why a create was refused: expected outcomes, returned as data. */
export type CreatePodRejection =
  | { reason: 'NodeNotFound'; message: string; path: string }
  | { reason: 'AlreadyExists'; message: string }
  | DesiredRejection;

/** Why a bind was refused: the pod is gone, already bound, or the node cannot take it. */
export type BindPodRejection =
  | { reason: 'NotFound'; message: string }
  | { reason: 'AlreadyBound'; message: string }
  | { reason: 'NodeNotFound'; message: string; path: string }
  | DesiredRejection;

/**
 * The hub's pods and, per node, the generation of its desired state and the CronJobs
 * in it. The single writer of every node's desired state: changes are applied one at a
 * time, each bumps its node's generation, is written to the store (generation first, so
 * a crash can only leave a newer generation with the older pods, never the reverse), and
 * then hands the node's whole desired state to the publisher.
 */
export class PodStore {
  private readonly pods = new Map<string, PodRecord>();
  private readonly generations = new Map<string, number>();
  private readonly cronJobs = new Map<string, NodeCronJob[]>();
  private readonly listeners = new Set<() => void>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PodStoreOptions) {}

  async load(): Promise<void> {
    for (const [name, record] of await this.options.pods.entries()) this.pods.set(name, record);
    for (const [node, { generation, cronJobs }] of await this.options.generations.entries()) {
      this.generations.set(node, generation);
      if (cronJobs?.length) this.cronJobs.set(node, cronJobs);
    }
    // A pod written with a generation its node's counter does not have (a store edited by hand): never go back.
    for (const pod of this.pods.values()) {
      if (pod.nodeName !== undefined && pod.nodeGeneration > (this.generations.get(pod.nodeName) ?? 0)) this.generations.set(pod.nodeName, pod.nodeGeneration);
    }
  }

  /** Calls `listener` after every committed change of the pods (controllers re-plan on it); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(filter: { node?: string } = {}): PodRecord[] {
    return [...this.pods.values()].filter((p) => filter.node === undefined || p.nodeName === filter.node).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): PodRecord | undefined {
    return this.pods.get(name);
  }

  /** The generation of the node's last committed desired state; 0 before any. */
  generation(node: string): number {
    return this.generations.get(node) ?? 0;
  }

  /** The CronJobs of the node's last committed desired state, sorted by name. */
  cronJobsOf(node: string): NodeCronJob[] {
    return [...(this.cronJobs.get(node) ?? [])];
  }

  /** Nodes whose desired state carries at least one CronJob. */
  cronJobNodes(): string[] {
    return [...this.cronJobs.keys()].sort();
  }

  /**
   * Sets the CronJobs of a node's desired state (the CronJob controller's placement):
   * the same jobs (uid, name and spec) change nothing (`changed: false`); others bump the
   * node's generation, are written with it, and the node's whole desired state is published.
   */
  setCronJobs(node: string, jobs: readonly NodeCronJob[]): Promise<Result<{ changed: boolean; generation: number }, DesiredRejection>> {
    return this.serialize(async () => {
      const wanted = [...jobs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (sameJson(wanted, this.cronJobs.get(node) ?? [])) return ok({ changed: false, generation: this.generation(node) });
      const generation = this.generation(node) + 1;
      const encoded = encodeDesired(node, desiredState(node, this.list({ node }), { generation, now: this.options.now(), cronJobs: wanted }));
      if (!encoded.ok) return encoded;
      await this.options.generations.put(node, generationRecord(generation, wanted));
      this.generations.set(node, generation);
      if (wanted.length > 0) this.cronJobs.set(node, wanted);
      else this.cronJobs.delete(node);
      this.options.desired.publish(node, { generation, payload: encoded.value });
      this.options.log.info({ node, generation, cronJobs: wanted.map((j) => j.name) }, 'desired state committed');
      return ok({ changed: true, generation });
    });
  }

  /**
   * Creates a pod: bound to the node its spec names, or Pending (in no node's desired
   * state) for the scheduler to `bind` when the spec names none. Repeating a create with
   * the same spec and labels returns the existing pod (`created: false`) and changes nothing.
   */
  create(pod: NewPod): Promise<Result<{ record: PodRecord; created: boolean }, CreatePodRejection>> {
    return this.serialize(async () => {
      const node = pod.spec.nodeName === '' ? undefined : pod.spec.nodeName;
      if (node !== undefined && (!isNodeName(node) || !this.options.isNode(node))) {
        return err({ reason: 'NodeNotFound', path: 'spec.nodeName', message: `spec.nodeName: node ${JSON.stringify(node)} is not registered` });
      }
      const existing = this.pods.get(pod.name);
      if (existing) {
        if (isSamePod(existing, pod)) return ok({ record: existing, created: false });
        return err({ reason: 'AlreadyExists', message: `pod ${JSON.stringify(pod.name)} already exists with a different spec or labels (delete it first)` });
      }
      const newUid = this.options.newUid ?? randomUUID;
      const make = (generation: number): PodRecord => ({
        uid: newUid(),
        name: pod.name,
        labels: pod.labels,
        spec: pod.spec,
        ...(node === undefined ? {} : { nodeName: node }),
        ...(pod.owner === undefined ? {} : { owner: pod.owner }),
        createdAt: this.options.now(),
        generation: 1,
        nodeGeneration: generation,
      });
      if (node === undefined) {
        const record = make(0);
        await this.options.pods.put(record.name, record);
        this.pods.set(record.name, record);
        this.options.log.info({ pod: record.name }, 'pod pending for the scheduler');
        this.changed();
        return ok({ record, created: true });
      }
      const committed = await this.commit(node, { put: make });
      if (!committed.ok) return committed;
      return ok({ record: committed.value as PodRecord, created: true });
    });
  }

  /**
   * Binds a Pending pod to `node` (the scheduler's decision): the node's desired state
   * gains it at the next generation. `uid`, when given, must still be the pod's.
   */
  bind(name: string, node: string, options: { uid?: string } = {}): Promise<Result<PodRecord, BindPodRejection>> {
    return this.serialize(async () => {
      const existing = this.pods.get(name);
      if (!existing || (options.uid !== undefined && existing.uid !== options.uid)) return err({ reason: 'NotFound', message: `pod ${JSON.stringify(name)} not found` });
      if (existing.nodeName !== undefined) return err({ reason: 'AlreadyBound', message: `pod ${JSON.stringify(name)} is already bound to node ${existing.nodeName}` });
      if (!isNodeName(node) || !this.options.isNode(node)) {
        return err({ reason: 'NodeNotFound', path: 'spec.nodeName', message: `spec.nodeName: node ${JSON.stringify(node)} is not registered` });
      }
      const committed = await this.commit(node, { put: (generation) => ({ ...existing, nodeName: node, nodeGeneration: generation }) });
      if (!committed.ok) return committed;
      return ok(committed.value as PodRecord);
    });
  }

  /** Deletes a pod (`uid`, when given, must still be the pod's); `undefined` when there is none by that name. */
  delete(name: string, options: { uid?: string } = {}): Promise<PodRecord | undefined> {
    return this.serialize(async () => {
      const existing = this.pods.get(name);
      if (!existing || (options.uid !== undefined && existing.uid !== options.uid)) return undefined;
      if (existing.nodeName === undefined) {
        await this.options.pods.del(name);
        this.pods.delete(name);
        this.options.log.info({ pod: name }, 'pending pod deleted');
        this.changed();
        return existing;
      }
      const committed = await this.commit(existing.nodeName, { delete: name });
      if (!committed.ok) throw new Error(committed.error.message); // fewer pods always fit: a bug if reached
      return existing;
    });
  }

  /**
   * Publishes every node's desired state again at its current generation: at
   * hub start and when the bus reconnects, since a broker may have lost its
   * retained messages (the embedded one keeps them in memory only).
   */
  republishAll(): Promise<void> {
    return this.serialize(async () => {
      for (const [node, generation] of this.generations) this.publish(node, generation);
    });
  }

  /**
   * The node reported the generation it applied. One ahead of the hub's (the
   * hub's store was lost or replaced) would make the agent ignore the hub's
   * lower generations, so the hub moves past it and republishes.
   */
  observe(node: string, observedGeneration: number): Promise<void> {
    return this.serialize(async () => {
      const current = this.generation(node);
      if (observedGeneration <= current || observedGeneration >= Number.MAX_SAFE_INTEGER) return;
      const generation = observedGeneration + 1;
      this.options.log.warn({ node, observedGeneration, generation: current }, 'node is ahead of the hub; moving its desired generation past it');
      await this.options.generations.put(node, generationRecord(generation, this.cronJobsOf(node)));
      this.generations.set(node, generation);
      this.publish(node, generation);
    });
  }

  /** Waits for every queued change to be committed. */
  flush(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  /** One change of one node's pods: bump its generation, check the new desired state, write, publish. */
  private async commit(node: string, change: { put: (generation: number) => PodRecord } | { delete: string }): Promise<Result<PodRecord | undefined, DesiredRejection>> {
    const generation = this.generation(node) + 1;
    const record = 'put' in change ? change.put(generation) : undefined;
    const name = record?.name ?? ('delete' in change ? change.delete : '');
    const nodePods = this.list({ node }).filter((p) => p.name !== name);
    if (record) nodePods.push(record);
    const cronJobs = this.cronJobsOf(node);
    const encoded = encodeDesired(node, desiredState(node, nodePods, { generation, now: this.options.now(), cronJobs }));
    if (!encoded.ok) return encoded;

    await this.options.generations.put(node, generationRecord(generation, cronJobs));
    this.generations.set(node, generation);
    if (record) {
      await this.options.pods.put(name, record);
      this.pods.set(name, record);
    } else {
      await this.options.pods.del(name);
      this.pods.delete(name);
    }
    this.options.desired.publish(node, { generation, payload: encoded.value });
    this.options.log.info({ node, generation, pod: name, change: record ? 'put' : 'delete' }, 'desired state committed');
    this.changed();
    return ok(record);
  }

  private changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.options.log.error({ err: error }, 'pod change listener failed');
      }
    }
  }

  private publish(node: string, generation: number): void {
    const encoded = encodeDesired(node, desiredState(node, this.pods.values(), { generation, now: this.options.now(), cronJobs: this.cronJobsOf(node) }));
    if (encoded.ok) this.options.desired.publish(node, { generation, payload: encoded.value });
    else this.options.log.error({ node, generation, reason: encoded.error.reason }, encoded.error.message);
  }

  private serialize<T>(change: () => Promise<T>): Promise<T> {
    const result = this.tail.then(change, change);
    this.tail = result.catch((error: unknown) => this.options.log.error({ err: error }, 'pod store write failed'));
    return result;
  }
}

/** What is stored per node: the CronJobs only when there are any, so a node without keeps `{generation}`. */
function generationRecord(generation: number, cronJobs: readonly NodeCronJob[]): NodeDesiredRecord {
  return cronJobs.length > 0 ? { generation, cronJobs: [...cronJobs] } : { generation };
}
