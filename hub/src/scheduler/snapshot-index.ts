import { NON_ZERO_REQUESTS } from './requests.js';
import { type CompiledSelector, compileLabelSelector, labelOf } from './selectors.js';
import type { PlacedPod, SchedulerNode, Snapshot } from './types.js';

/** A node in the index: the snapshot's node plus its position in name order. */
export type IndexedNode = SchedulerNode & { readonly i: number };

/**
 * One node label as a column: each node's value interned to a small integer, so
 * a requirement or a topology domain costs an array read per node instead of a
 * property lookup and a string compare.
 */
export interface LabelColumn {
  readonly key: string;
  /** Per node (name order): the id of its value, -1 when it lacks the label. */
  readonly ids: Int32Array;
  /** id → value. */
  readonly values: readonly string[];
}

/** A placed pod on a node of the snapshot; `seq` is its position among the snapshot's pods. */
export interface PodRef {
  readonly pod: PlacedPod;
  readonly node: number;
  readonly seq: number;
}

/** The required anti-affinity terms of placed pods, merged by (selector, topologyKey): the domains they forbid. */
export interface AntiAffinityEntry {
  readonly selector: CompiledSelector;
  readonly topologyKey: string;
  readonly column: LabelColumn;
  /** Domain id (in `column`) → the first pod there holding this term. */
  readonly holders: Array<PodRef | undefined>;
}

function bump(values: Float64Array, i: number, by: number): void {
  values[i] = (values[i] as number) + by;
}

const byName = (a: SchedulerNode, b: SchedulerNode): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * What every decision needs of a snapshot, computed once: nodes in name order (the
 * tie-break order, whatever order the snapshot lists them in), each node's
 * requested resources, placed pods by label (to find the pods a selector matches
 * without scanning them all), and the anti-affinity terms placed pods impose.
 *
 * `add` updates it in O(labels + anti-affinity terms) as `scheduleAll` places
 * pods. It is the only mutation and belongs to whoever built the index (the
 * scheduler builds its own per `schedule`/`scheduleAll` call); node names are
 * expected to be unique, as the registry makes them.
 */
export class SnapshotIndex {
  /** Nodes sorted by name; `nodes[i].i === i`. */
  readonly nodes: readonly IndexedNode[];
  /** The snapshot's nodes as given. */
  readonly snapshotNodes: readonly SchedulerNode[];
  /** Each node's allocatable resources, by position. */
  readonly allocatableCpu: Float64Array;
  readonly allocatableMemory: Float64Array;
  readonly allocatablePids: Float64Array;
  /** 100 / allocatable (0 when none), for the resource scorer. */
  readonly percentCpu: Float64Array;
  readonly percentMemory: Float64Array;
  /** Requests of the pods on each node. */
  readonly usedCpu: Float64Array;
  readonly usedMemory: Float64Array;
  readonly usedPids: Float64Array;
  /** Allocatable minus used (exact: integers below 2^53), what fitting compares a request with. */
  readonly freeCpu: Float64Array;
  readonly freeMemory: Float64Array;
  readonly freePids: Float64Array;
  /** Allocatable minus used with Kubernetes' non-zero defaults for unrequested cpu and memory: what scoring sees. */
  readonly scoringFreeCpu: Float64Array;
  readonly scoringFreeMemory: Float64Array;
  /** Whether some node is NotReady or cordoned; has a NoSchedule/NoExecute taint; has a PreferNoSchedule taint (else those checks are skipped). */
  readonly anyUnschedulable: boolean;
  readonly anyHardTaint: boolean;
  readonly anySoftTaint: boolean;

  /**
   * Work buffers of the hot path (`chooseNode`), one set per index, reused by every
   * decision instead of allocating three off-heap typed arrays per pod. Decisions
   * are synchronous and never nested, so sharing them is safe.
   */
  readonly scratch: { readonly all: Int32Array; readonly nodes: Int32Array; readonly totals: Float64Array; readonly raw: Float64Array };

  private readonly positions = new Map<string, number>();
  private readonly columns = new Map<string, LabelColumn>();
  private readonly placed: PlacedPod[] = [];
  private readonly refs: PodRef[] = [];
  private readonly byLabel = new Map<string, Map<string, PodRef[]>>();
  private readonly anti = new Map<string, AntiAffinityEntry>();

  private constructor(nodes: readonly SchedulerNode[]) {
    this.snapshotNodes = nodes;
    const sorted = [...nodes].sort(byName);
    // One literal shape for every node (a spread makes shapes V8 cannot share, and the hot loops megamorphic).
    this.nodes = sorted.map(
      (node, i): IndexedNode => ({
        name: node.name,
        labels: node.labels,
        ready: node.ready,
        unschedulable: node.unschedulable,
        taints: node.taints,
        allocatable: node.allocatable,
        architecture: node.architecture,
        variant: node.variant,
        i,
      }),
    );
    for (const node of this.nodes) if (!this.positions.has(node.name)) this.positions.set(node.name, node.i);
    const n = sorted.length;
    this.allocatableCpu = Float64Array.from(sorted, (node) => node.allocatable.cpu);
    this.allocatableMemory = Float64Array.from(sorted, (node) => node.allocatable.memory);
    this.allocatablePids = Float64Array.from(sorted, (node) => node.allocatable.pids);
    this.percentCpu = this.allocatableCpu.map((a) => (a > 0 ? 100 / a : 0));
    this.percentMemory = this.allocatableMemory.map((a) => (a > 0 ? 100 / a : 0));
    this.scratch = { all: Int32Array.from(sorted, (_, i) => i), nodes: new Int32Array(n), totals: new Float64Array(n), raw: new Float64Array(n) };
    this.freeCpu = Float64Array.from(this.allocatableCpu);
    this.freeMemory = Float64Array.from(this.allocatableMemory);
    this.freePids = Float64Array.from(this.allocatablePids);
    this.scoringFreeCpu = Float64Array.from(this.allocatableCpu);
    this.scoringFreeMemory = Float64Array.from(this.allocatableMemory);
    this.usedCpu = new Float64Array(n);
    this.usedMemory = new Float64Array(n);
    this.usedPids = new Float64Array(n);
    this.anyUnschedulable = sorted.some((node) => !node.ready || node.unschedulable);
    this.anyHardTaint = sorted.some((node) => node.taints.some((t) => t.effect !== 'PreferNoSchedule'));
    this.anySoftTaint = sorted.some((node) => node.taints.some((t) => t.effect === 'PreferNoSchedule'));
  }

  /** O(nodes log nodes + pods × labels). */
  static of(snapshot: Snapshot): SnapshotIndex {
    const index = new SnapshotIndex(snapshot.nodes);
    for (const pod of snapshot.pods) index.add(pod);
    return index;
  }

  /** Every pod added so far, in order (the snapshot's, then those placed). */
  get pods(): readonly PlacedPod[] {
    return this.placed;
  }

  /** How many pods have been added: identifies the state a decision was made in. */
  get version(): number {
    return this.placed.length;
  }

  nodeIndex(name: string): number | undefined {
    return this.positions.get(name);
  }

  /** The column of a node label, built on first use (O(nodes)) and kept: node labels do not change within a snapshot. */
  column(key: string): LabelColumn {
    let column = this.columns.get(key);
    if (column === undefined) {
      const ids = new Int32Array(this.nodes.length);
      const values: string[] = [];
      const idOf = new Map<string, number>();
      for (const node of this.nodes) {
        const value = labelOf(node.labels, key);
        let id = -1;
        if (value !== undefined) {
          id = idOf.get(value) ?? -1;
          if (id === -1) {
            id = values.push(value) - 1;
            idOf.set(value, id);
          }
        }
        ids[node.i] = id;
      }
      this.columns.set(key, (column = { key, ids, values }));
    }
    return column;
  }

  /** Records a placed pod. A pod on a node not in the snapshot is kept in `pods` but counts nowhere. */
  add(pod: PlacedPod): void {
    const seq = this.placed.length;
    this.placed.push(pod);
    const node = this.positions.get(pod.nodeName);
    if (node === undefined) return;
    const ref: PodRef = { pod, node, seq };
    this.refs.push(ref);
    const { cpu, memory, pids } = pod.requests;
    bump(this.usedCpu, node, cpu);
    bump(this.usedMemory, node, memory);
    bump(this.usedPids, node, pids);
    bump(this.freeCpu, node, -cpu);
    bump(this.freeMemory, node, -memory);
    bump(this.freePids, node, -pids);
    bump(this.scoringFreeCpu, node, -(cpu > 0 ? cpu : NON_ZERO_REQUESTS.cpu));
    bump(this.scoringFreeMemory, node, -(memory > 0 ? memory : NON_ZERO_REQUESTS.memory));
    for (const [key, value] of Object.entries(pod.labels)) {
      let values = this.byLabel.get(key);
      if (values === undefined) this.byLabel.set(key, (values = new Map()));
      const list = values.get(value);
      if (list === undefined) values.set(value, [ref]);
      else list.push(ref);
    }
    for (const term of pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const column = this.column(term.topologyKey);
      const domain = column.ids[node] as number;
      if (domain === -1) continue;
      const selector = compileLabelSelector(term.labelSelector);
      const key = `${term.topologyKey}\u0000${selector.text}`;
      let entry = this.anti.get(key);
      if (entry === undefined) this.anti.set(key, (entry = { selector, topologyKey: term.topologyKey, column, holders: new Array<PodRef | undefined>(column.values.length).fill(undefined) }));
      if (entry.holders[domain] === undefined) entry.holders[domain] = ref;
    }
  }

  /**
   * Placed pods that may match `selector`, a superset to check with `matches`: the
   * pods holding the rarest of its anchors (an `In` or `Exists` requirement), or
   * every pod when it has none. Not in `seq` order when an anchor has several values.
   */
  candidates(selector: CompiledSelector): readonly PodRef[] {
    let best: PodRef[][] | undefined;
    let bestSize = Infinity;
    for (const anchor of selector.anchors) {
      const values = this.byLabel.get(anchor.key);
      const lists: PodRef[][] = [];
      let size = 0;
      if (values !== undefined) {
        if (anchor.values === undefined) for (const list of values.values()) lists.push(list);
        else
          for (const v of anchor.values) {
            const list = values.get(v);
            if (list !== undefined) lists.push(list);
          }
      }
      for (const list of lists) size += list.length;
      if (size < bestSize) {
        best = lists;
        bestSize = size;
      }
    }
    if (best === undefined) return this.refs;
    if (best.length === 1) return best[0] as PodRef[];
    return best.flat();
  }

  /** Required anti-affinity terms of placed pods, in the order first seen. */
  antiAffinityEntries(): Iterable<AntiAffinityEntry> {
    return this.anti.values();
  }
}
