import type { PreparedPod } from './prepared-pod.js';
import type { IndexedNode, SnapshotIndex } from './snapshot-index.js';
import type { Rejection, SchedulerConfig, ScorerName } from './types.js';

/** A filter's answer for one node: nothing (it passes), or why not. */
export type FilterResult = Rejection | readonly Rejection[] | undefined;

/**
 * A filter, split as in kube-scheduler's framework: `prepare` runs once per pod to
 * schedule (PreFilter: compile, count matching pods per domain) and returns the
 * per-pod context, or undefined when the filter can reject no node for this pod (it
 * is then skipped); `filter(pod, node, ctx)` runs per node and must be cheap.
 */
export interface FilterPlugin<C = unknown> {
  readonly name: string;
  prepare(pod: PreparedPod, index: SnapshotIndex): C | undefined;
  filter(pod: PreparedPod, node: IndexedNode, ctx: C): FilterResult;
  /**
   * Optional batch form for hot filters: keeps in `nodes[0..count)` (positions in
   * name order) exactly the nodes `filter` passes, in order, and returns how many.
   * A loop inside the plugin stays monomorphic, so V8 inlines the per-node check.
   */
  filterMany?(pod: PreparedPod, ctx: C, nodes: Int32Array, count: number): number;
}

/**
 * A scorer: `prepare` once per pod (undefined: nothing to tell nodes apart, so it is
 * left out of the scores); `score` gives a feasible node's raw score; `normalize`
 * maps the raw scores of all feasible nodes to 0–100 in place.
 */
export interface ScorerPlugin<C = unknown> {
  readonly name: ScorerName;
  prepare(pod: PreparedPod, index: SnapshotIndex, config: SchedulerConfig): C | undefined;
  score(pod: PreparedPod, node: IndexedNode, ctx: C): number;
  /** Optional batch form: `out[k] = score(nodes[k])` for every k < nodes.length. */
  scoreMany?(pod: PreparedPod, ctx: C, nodes: Int32Array, out: Float64Array): void;
  normalize(raw: Float64Array, ctx: C): void;
}

/** Erases a plugin's context type for the plugin list; the context only ever goes back to the plugin that made it. */
export function filterPlugin<C>(plugin: FilterPlugin<C>): FilterPlugin {
  return plugin as unknown as FilterPlugin;
}

export function scorerPlugin<C>(plugin: ScorerPlugin<C>): ScorerPlugin {
  return plugin as unknown as ScorerPlugin;
}
