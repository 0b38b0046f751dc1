import { defaultSchedulerConfig, weightOf } from './config.js';
import { imagePlatform, nodeAffinity, nodeReady, nodeResourcesFit, nodeSelector, taintToleration } from './filters/node.js';
import { podAffinity, podAntiAffinity } from './filters/pod-affinity.js';
import { podTopologySpread } from './filters/topology-spread.js';
import type { FilterPlugin, ScorerPlugin } from './plugin.js';
import type { PreparedPod } from './prepared-pod.js';
import { nodeAffinityScorer } from './scorers/node-affinity.js';
import { podAffinityScorer } from './scorers/pod-affinity.js';
import { resourcesScorer } from './scorers/resources.js';
import { taintsScorer } from './scorers/taints.js';
import { topologySpreadScorer } from './scorers/topology-spread.js';
import type { IndexedNode, SnapshotIndex } from './snapshot-index.js';
import type { NodeVerdict, Rejection, SchedulerConfig, ScorerName } from './types.js';

/** Filters, cheapest and most selective first; a node must pass them all. */
export const FILTERS: readonly FilterPlugin[] = [
  nodeReady,
  nodeSelector,
  nodeAffinity,
  imagePlatform,
  taintToleration,
  nodeResourcesFit,
  podAffinity,
  podAntiAffinity,
  podTopologySpread,
];

export const SCORERS: readonly ScorerPlugin[] = [resourcesScorer, nodeAffinityScorer, podAffinityScorer, topologySpreadScorer, taintsScorer];

interface Scores {
  totals: Float64Array;
  /** Each applicable scorer's normalized scores (kept only when asked for). */
  parts: Array<{ name: ScorerName; scores: Float64Array }>;
}

/**
 * Scores the feasible nodes (positions in name order): each scorer's raw scores,
 * normalized, weighted, summed into `totals`. With `keep`, each scorer's scores are
 * kept (in fresh arrays); without, `raw` is a reused buffer.
 */
function scoreNodes(
  pod: PreparedPod,
  index: SnapshotIndex,
  config: SchedulerConfig,
  feasible: Int32Array,
  buffers: { totals: Float64Array; raw: Float64Array | undefined },
): Scores {
  const nodes = index.nodes;
  const m = feasible.length;
  const { totals } = buffers;
  const parts: Scores['parts'] = [];
  let first = true;
  for (const scorer of SCORERS) {
    const weight = weightOf(config, scorer.name);
    if (weight === 0) continue;
    const ctx = scorer.prepare(pod, index, config);
    if (ctx === undefined) continue;
    // Without `keep`, the first scorer writes straight into `totals`.
    const raw = buffers.raw === undefined ? new Float64Array(m) : first ? totals : buffers.raw;
    if (scorer.scoreMany !== undefined) scorer.scoreMany(pod, ctx, feasible, raw);
    else for (let k = 0; k < m; k++) raw[k] = scorer.score(pod, nodes[feasible[k] as number] as IndexedNode, ctx);
    scorer.normalize(raw, ctx);
    if (raw === totals) {
      if (weight !== 1) for (let k = 0; k < m; k++) totals[k] = weight * (totals[k] as number);
    } else if (first) for (let k = 0; k < m; k++) totals[k] = weight * (raw[k] as number);
    else for (let k = 0; k < m; k++) totals[k] = (totals[k] as number) + weight * (raw[k] as number);
    first = false;
    if (buffers.raw === undefined) parts.push({ name: scorer.name, scores: raw });
  }
  if (first) totals.fill(0);
  return { totals, parts };
}

/** The highest total; ties go to the first in name order (and a total that is not a number never wins). */
function best(feasible: Int32Array, totals: Float64Array): number {
  let chosen = feasible.length > 0 ? (feasible[0] as number) : -1;
  let top = -Infinity;
  for (let k = 0; k < feasible.length; k++) {
    const t = totals[k] as number;
    if (t > top) {
      top = t;
      chosen = feasible[k] as number;
    }
  }
  return chosen;
}

/**
 * The node to place `pod` on (its position in name order), or -1 when none fits:
 * the hot path. Each filter runs over the nodes still feasible and stops at a node's
 * first rejection; no verdicts are built. Same filters, same scores as `judge`.
 */
export function chooseNode(pod: PreparedPod, index: SnapshotIndex, config: SchedulerConfig = defaultSchedulerConfig): number {
  const nodes = index.nodes;
  const { scratch } = index;
  let alive = scratch.nodes;
  alive.set(scratch.all);
  let m = alive.length;
  for (const plugin of FILTERS) {
    if (m === 0) return -1;
    const ctx = plugin.prepare(pod, index);
    if (ctx === undefined) continue;
    if (plugin.filterMany !== undefined) {
      m = plugin.filterMany(pod, ctx, alive, m);
      continue;
    }
    let kept = 0;
    for (let k = 0; k < m; k++) {
      const i = alive[k] as number;
      if (plugin.filter(pod, nodes[i] as IndexedNode, ctx) === undefined) alive[kept++] = i;
    }
    m = kept;
  }
  if (m <= 1) return m === 0 ? -1 : (alive[0] as number);
  alive = alive.subarray(0, m);
  return best(alive, scoreNodes(pod, index, config, alive, { totals: scratch.totals.subarray(0, m), raw: scratch.raw.subarray(0, m) }).totals);
}

/**
 * Every node's verdict — all its rejections (every filter runs on every node), or
 * its scores — in name order, and the chosen node's position (-1: none fits).
 */
export function judge(pod: PreparedPod, index: SnapshotIndex, config: SchedulerConfig = defaultSchedulerConfig): { chosen: number; verdicts: NodeVerdict[] } {
  const nodes = index.nodes;
  const rejections: Rejection[][] = nodes.map(() => []);
  for (const plugin of FILTERS) {
    const ctx = plugin.prepare(pod, index);
    if (ctx === undefined) continue;
    for (const node of nodes) {
      const r = plugin.filter(pod, node, ctx);
      if (r === undefined) continue;
      const list = rejections[node.i] as Rejection[];
      if (Array.isArray(r)) list.push(...(r as readonly Rejection[]));
      else list.push(r as Rejection);
    }
  }
  const feasible = Int32Array.from(nodes.filter((node) => (rejections[node.i] as Rejection[]).length === 0).map((node) => node.i));
  const { totals, parts } = scoreNodes(pod, index, config, feasible, { totals: new Float64Array(feasible.length), raw: undefined });
  const verdicts: NodeVerdict[] = nodes.map((node) => ({ node: node.name, rejections: rejections[node.i] as Rejection[] }));
  feasible.forEach((i, k) => {
    const scores: Record<string, number> = {};
    for (const part of parts) scores[part.name] = part.scores[k] as number;
    (verdicts[i] as NodeVerdict).score = { scores, total: totals[k] as number };
  });
  return { chosen: best(feasible, totals), verdicts };
}
