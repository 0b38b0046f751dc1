import { PodObject, type PodSpec, type StateMessage, decodeDesiredBody } from '../../../../protocol/src/index.js';
import type { DesiredMessage } from '../../../../protocol/src/index.js';
import type { DesiredSink, NodeDesiredRecord, PodRecord } from '../../../../hub/src/pods/index.js';
import { PodStore } from '../../../../hub/src/pods/index.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { silentLog } from '../fixtures.js';

export const CREATED_AT = Date.parse('2024-06-01T12:00:00Z');

/** A parsed pod spec of one busybox container on `node` (`null`: no nodeName), with manifest-form quantities. */
export function podSpec(node: string | null = 'pi-1', overrides: Record<string, unknown> = {}): PodSpec {
  return PodObject.shape.spec.parse({
    containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'], resources: { limits: { cpu: '250m', memory: '32Mi', pids: 50 } } }],
    ...(node === null ? {} : { nodeName: node }),
    ...overrides,
  });
}

export function podRecord(name: string, options: { node?: string; uid?: string; nodeGeneration?: number; generation?: number } = {}): PodRecord {
  const node = options.node ?? 'pi-1';
  return {
    uid: options.uid ?? `uid-${name}`,
    name,
    labels: { app: name },
    spec: podSpec(node),
    nodeName: node,
    createdAt: CREATED_AT,
    generation: options.generation ?? 1,
    nodeGeneration: options.nodeGeneration ?? 1,
  };
}

export function stateMessage(observedGeneration: number, pods: StateMessage['pods'] = []): StateMessage {
  return { v: 1, ts: CREATED_AT, observedGeneration, pods };
}

/** What a PodStore handed to its publisher, decoded. */
export interface Published {
  node: string;
  generation: number;
  message: DesiredMessage;
}

/** A DesiredSink that decodes and keeps every desired state it is given. */
export class RecordingSink implements DesiredSink {
  readonly published: Published[] = [];

  publish(node: string, desired: { generation: number; payload: Uint8Array }): void {
    const decoded = decodeDesiredBody(desired.payload);
    if (!decoded.ok) throw decoded.error;
    this.published.push({ node, generation: desired.generation, message: decoded.value });
  }

  last(node: string): Published | undefined {
    return this.published.filter((p) => p.node === node).at(-1);
  }
}

export interface StoreFixture {
  store: PodStore;
  sink: RecordingSink;
  pods: MemoryCollection<PodRecord>;
  generations: MemoryCollection<NodeDesiredRecord>;
}

/** A PodStore on in-memory collections with nodes `pi-1` and `pi-2` registered and uids `uid-1`, `uid-2`, … */
export function podStore(existing: Partial<Pick<StoreFixture, 'pods' | 'generations'>> = {}, nodes: string[] = ['pi-1', 'pi-2']): StoreFixture {
  const sink = new RecordingSink();
  const pods = existing.pods ?? new MemoryCollection<PodRecord>();
  const generations = existing.generations ?? new MemoryCollection<NodeDesiredRecord>();
  let uid = 0;
  const store = new PodStore({
    pods,
    generations,
    desired: sink,
    isNode: (name) => nodes.includes(name),
    now: () => CREATED_AT,
    log: silentLog,
    newUid: () => `uid-${++uid}`,
  });
  return { store, sink, pods, generations };
}
