import { defaultSchedulerConfig } from './config.js';
import { chooseNode, judge } from './evaluate.js';
import { type PreparedPod, preparePod } from './prepared-pod.js';
import { type IndexedNode, SnapshotIndex } from './snapshot-index.js';
import type { Decision, NodeVerdict, PlacedPod, PodToSchedule, SchedulerConfig, Snapshot } from './types.js';

/** A state of the world: the snapshot's nodes and the first `version` pods of `pods` (which only ever grows). */
interface State {
  nodes: Snapshot['nodes'];
  pods: Snapshot['pods'];
  version: number;
}

const indexState = (index: SnapshotIndex): State => ({ nodes: index.snapshotNodes, pods: index.pods, version: index.version });

/**
 * A decision whose verdicts are worked out when first read. Choosing a node needs
 * only feasibility and totals; a verdict per node (5,000 nodes × every pod of a
 * pass) is what `explain` needs for a few pods. The scheduler is deterministic, so
 * re-running the filters and scorers in detail over the same state yields exactly
 * the verdicts — and the node — of the moment the decision was made. Reading
 * `verdicts` (also through JSON.stringify or structuredClone) materializes them.
 *
 * The state is the snapshot's nodes and the first `version` pods of `pods`, an
 * append-only list. A decision keeps only those references, not the index: the
 * index is reused while it is alive and still in that state (a WeakRef — which one
 * happens only changes how fast, never what), else rebuilt.
 */
function lazyDecision(pod: PreparedPod, node: string | undefined, index: SnapshotIndex, state: State, config: SchedulerConfig): Decision {
  const { nodes, pods, version } = state;
  const live = new WeakRef(index);
  let verdicts: NodeVerdict[] | undefined;
  const work = (): NodeVerdict[] => {
    const current = live.deref();
    const at = current !== undefined && current.version === version ? current : SnapshotIndex.of({ nodes, pods: pods.length === version ? pods : pods.slice(0, version) });
    return judge(pod, at, config).verdicts;
  };
  return {
    pod: pod.name,
    node,
    get verdicts(): NodeVerdict[] {
      return (verdicts ??= work());
    },
  };
}

function decide(pod: PreparedPod, index: SnapshotIndex, state: State, config: SchedulerConfig): Decision {
  const chosen = chooseNode(pod, index, config);
  const node = chosen === -1 ? undefined : (index.nodes[chosen] as IndexedNode).name;
  return lazyDecision(pod, node, index, state, config);
}

/** A copy of the config, so verdicts read later are worked out with the weights of the moment. */
const frozen = (config: SchedulerConfig): SchedulerConfig => ({ resourceStrategy: config.resourceStrategy, weights: { ...config.weights } });

/** The pod as placed on `nodeName`, as later decisions see it. */
function placed(pod: PreparedPod, nodeName: string): PlacedPod {
  const affinity = pod.source.spec.affinity;
  return { name: pod.name, nodeName, labels: pod.labels, requests: pod.requests, ...(affinity === undefined ? {} : { affinity }) };
}

/**
 * Where `pod` goes in `snapshot`: filters, then scorers over the feasible nodes; the
 * highest total wins, ties to the first node by name. `node` is undefined when no
 * node fits — an expected outcome, with every node's rejections in `verdicts`.
 * Pure and deterministic: the order of `snapshot.nodes` does not matter.
 * O(nodes × active filters + pods matching the pod's selectors) once the snapshot
 * is indexed, which is O(nodes log nodes + pods); to place several pods, use
 * `scheduleAll`, which indexes once.
 */
export function schedule(pod: PodToSchedule, snapshot: Snapshot, config: SchedulerConfig = defaultSchedulerConfig): Decision {
  // The decision keeps the caller's (immutable) pod list, not the index's copy of it.
  const state = { nodes: snapshot.nodes, pods: snapshot.pods, version: snapshot.pods.length };
  return decide(preparePod(pod), SnapshotIndex.of(snapshot), state, frozen(config));
}

/**
 * Places pods one after another, in the order given: each placed pod joins the
 * state the next is decided in (resources, affinity, spread), and the snapshot
 * passed on. The input snapshot is not modified.
 */
export function scheduleAll(
  pods: readonly PodToSchedule[],
  snapshot: Snapshot,
  config: SchedulerConfig = defaultSchedulerConfig,
): { decisions: Decision[]; snapshot: Snapshot } {
  const index = SnapshotIndex.of(snapshot);
  const settled = frozen(config);
  const decisions = pods.map((pod) => {
    const prepared = preparePod(pod);
    const decision = decide(prepared, index, indexState(index), settled);
    if (decision.node !== undefined) index.add(placed(prepared, decision.node));
    return decision;
  });
  return { decisions, snapshot: { nodes: snapshot.nodes, pods: [...index.pods] } };
}

/** For callers that keep their own index (the index is theirs to `add` to): one decision in its current state. */
export function scheduleOnIndex(pod: PodToSchedule, index: SnapshotIndex, config: SchedulerConfig = defaultSchedulerConfig): Decision {
  return decide(preparePod(pod), index, indexState(index), frozen(config));
}
