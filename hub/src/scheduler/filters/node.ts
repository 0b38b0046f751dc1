import { filterPlugin } from '../plugin.js';
import { keepAccepted, type RequirementTable, selectorTables, TermTable } from '../node-tables.js';
import { type CompiledTerm, labelOf, requirementText } from '../selectors.js';
import type { SnapshotIndex } from '../snapshot-index.js';
import { tolerated } from '../taints.js';
import type { PodRequests, Rejection } from '../types.js';

/** Filters that look at the node alone (and its requested resources). */

/** Ready, and not cordoned: two rejections, either or both. */
export const nodeReady = filterPlugin<true>({
  name: 'NodeReady',
  prepare: (_pod, index) => (index.anyUnschedulable ? true : undefined),
  filter(_pod, node) {
    if (node.ready && !node.unschedulable) return undefined;
    if (node.ready) return { filter: 'NodeUnschedulable' };
    if (!node.unschedulable) return { filter: 'NodeReady', phase: 'NotReady' };
    return [{ filter: 'NodeReady', phase: 'NotReady' }, { filter: 'NodeUnschedulable' }];
  },
});

interface FitContext {
  requests: PodRequests;
  /** The request, or -Infinity when the pod does not request the resource (always fits). */
  needCpu: number;
  needMemory: number;
  needPids: number;
  freeCpu: Float64Array;
  freeMemory: Float64Array;
  freePids: Float64Array;
  index: SnapshotIndex;
}

const need = (requested: number): number => (requested > 0 ? requested : -Infinity);

/**
 * Requests plus what the node's pods already request must stay within allocatable,
 * per resource. As in Kubernetes, a resource the pod does not request is not
 * checked (a best-effort pod fits an overcommitted node).
 */
export const nodeResourcesFit = filterPlugin<FitContext>({
  name: 'NodeResourcesFit',
  prepare(pod, index) {
    const { cpu, memory, pids } = pod.requests;
    if (cpu <= 0 && memory <= 0 && pids <= 0) return undefined;
    const { freeCpu, freeMemory, freePids } = index;
    return { requests: pod.requests, needCpu: need(cpu), needMemory: need(memory), needPids: need(pids), freeCpu, freeMemory, freePids, index };
  },
  filter(_pod, node, ctx) {
    const i = node.i;
    const cpuFits = ctx.needCpu <= (ctx.freeCpu[i] as number);
    const memoryFits = ctx.needMemory <= (ctx.freeMemory[i] as number);
    const pidsFit = ctx.needPids <= (ctx.freePids[i] as number);
    if (cpuFits && memoryFits && pidsFit) return undefined;
    const { index, requests } = ctx;
    const { allocatable } = node;
    const out: Rejection[] = [];
    if (!cpuFits) out.push({ filter: 'NodeResourcesFit', resource: 'cpu', requested: requests.cpu, used: index.usedCpu[i] as number, capacity: allocatable.cpu });
    if (!memoryFits) out.push({ filter: 'NodeResourcesFit', resource: 'memory', requested: requests.memory, used: index.usedMemory[i] as number, capacity: allocatable.memory });
    if (!pidsFit) out.push({ filter: 'NodeResourcesFit', resource: 'pids', requested: requests.pids, used: index.usedPids[i] as number, capacity: allocatable.pids });
    return out.length === 1 ? out[0] : out;
  },
  filterMany(_pod, ctx, nodes, count) {
    const { needCpu, needMemory, needPids, freeCpu, freeMemory, freePids } = ctx;
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = nodes[k] as number;
      if (needCpu <= (freeCpu[i] as number) && needMemory <= (freeMemory[i] as number) && needPids <= (freePids[i] as number)) nodes[kept++] = i;
    }
    return kept;
  },
});

interface SelectorContext {
  tables: RequirementTable[];
}

/** Every `key: value` of the pod's nodeSelector among the node's labels; one rejection per key that differs. */
export const nodeSelector = filterPlugin<SelectorContext>({
  name: 'NodeSelector',
  prepare: (pod, index) => (pod.nodeSelector.length > 0 ? { tables: selectorTables(pod, index) } : undefined),
  filter(pod, node, { tables }) {
    let out: Rejection[] | undefined;
    tables.forEach((t, k) => {
      if (t.accept[(t.ids[node.i] as number) + 1] === 1) return;
      const [key, wanted] = pod.nodeSelector[k] as readonly [string, string];
      (out ??= []).push({ filter: 'NodeSelector', key, wanted, actual: labelOf(node.labels, key) });
    });
    return out;
  },
  filterMany(_pod, { tables }, nodes, count) {
    let m = count;
    for (const t of tables) m = keepAccepted(t, nodes, m);
    return m;
  },
});

interface AffinityContext {
  terms: TermTable[];
}

function admitted(terms: readonly TermTable[], i: number): boolean {
  for (const t of terms) if (t.matches(i)) return true;
  return false;
}

/**
 * Required node affinity: some term must hold (terms ORed, expressions ANDed).
 * A node no term admits gets one rejection per term, naming the term's first
 * failing requirement.
 */
export const nodeAffinity = filterPlugin<AffinityContext>({
  name: 'NodeAffinity',
  prepare: (pod, index) => (pod.requiredNodeAffinity !== undefined ? { terms: pod.requiredNodeAffinity.map((term) => new TermTable(term, index)) } : undefined),
  filter(pod, node, { terms }) {
    if (admitted(terms, node.i)) return undefined;
    const compiled = pod.requiredNodeAffinity ?? [];
    return terms.map((t, k): Rejection => ({ filter: 'NodeAffinity', term: k, requirement: requirementText(compiled[k] as CompiledTerm, t.firstFailure(node.i)) }));
  },
  filterMany(_pod, { terms }, nodes, count) {
    if (terms.length === 1) return (terms[0] as TermTable).keep(nodes, count);
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = nodes[k] as number;
      if (admitted(terms, i)) nodes[kept++] = i;
    }
    return kept;
  },
});

function platformText(p: { architecture: string; variant?: string | undefined }): string {
  return p.variant === undefined ? p.architecture : `${p.architecture}/${p.variant}`;
}

/**
 * When the pod's images state their platforms, the node's architecture must be
 * offered, and its variant too when the image names one (`arm/v7`). Unknown or
 * empty platform lists admit every node.
 */
export const imagePlatform = filterPlugin<true>({
  name: 'ImagePlatform',
  prepare: (pod) => (pod.imagePlatforms !== undefined && pod.imagePlatforms.length > 0 ? true : undefined),
  filter(pod, node) {
    const platforms = pod.imagePlatforms ?? [];
    for (const p of platforms) {
      if (p.architecture === node.architecture && (p.variant === undefined || p.variant === node.variant)) return undefined;
    }
    return { filter: 'ImagePlatform', architecture: platformText(node), offered: platforms.map(platformText) };
  },
});

/** Every NoSchedule and NoExecute taint of the node tolerated (PreferNoSchedule is the taints scorer's). */
export const taintToleration = filterPlugin<true>({
  name: 'TaintToleration',
  prepare: (_pod, index) => (index.anyHardTaint ? true : undefined),
  filter(pod, node) {
    let out: Rejection[] | undefined;
    for (const taint of node.taints) {
      if (taint.effect === 'PreferNoSchedule' || tolerated(pod.tolerations, taint)) continue;
      (out ??= []).push({ filter: 'TaintToleration', taint });
    }
    return out;
  },
});
