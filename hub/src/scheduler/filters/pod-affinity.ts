import { filterPlugin } from '../plugin.js';
import type { CompiledPodTerm } from '../prepared-pod.js';
import type { AntiAffinityEntry, LabelColumn } from '../snapshot-index.js';
import { countByDomain, type DomainCounts } from '../topology.js';
import type { Rejection } from '../types.js';

/** Inter-pod (anti-)affinity, required terms. Counting happens once per pod in `prepare`; a node costs two array reads per term. */

interface CountedTerm {
  term: CompiledPodTerm;
  counted: DomainCounts;
}

function counted(terms: readonly CompiledPodTerm[], index: Parameters<typeof countByDomain>[0]): CountedTerm[] {
  return terms.map((term) => ({ term, counted: countByDomain(index, term) }));
}

/**
 * Every required affinity term needs a matching placed pod in the node's domain
 * (its value of the term's topology key); a node without that label is rejected.
 * Kubernetes' first-pod case, per term: when no pod in the cluster matches and the
 * pod matches its own term, any node with the label will do.
 */
export const podAffinity = filterPlugin<CountedTerm[]>({
  name: 'PodAffinity',
  prepare: (pod, index) => (pod.podAffinity.length === 0 ? undefined : counted(pod.podAffinity, index)),
  filter(_pod, node, terms) {
    let out: Rejection[] | undefined;
    for (const { term, counted: c } of terms) {
      const d = c.column.ids[node.i] as number;
      const base = { filter: 'PodAffinity', topologyKey: term.topologyKey, selector: term.selector.text } as const;
      if (d === -1) (out ??= []).push({ ...base, missingLabel: true });
      else if (c.counts[d] === 0 && !(c.domains === 0 && term.selfMatch)) (out ??= []).push({ ...base, domain: c.column.values[d] as string });
    }
    return out;
  },
});

interface AntiContext {
  own: CountedTerm[];
  /** Placed pods' own required anti-affinity terms that the pod being placed matches. */
  symmetric: AntiAffinityEntry[];
  /** Both sides merged per topology key: the domain ids no node may be in. */
  blocked: Array<{ ids: Int32Array; domains: Uint8Array }>;
}

function blockedDomains(own: readonly CountedTerm[], symmetric: readonly AntiAffinityEntry[]): AntiContext['blocked'] {
  const byKey = new Map<string, { ids: Int32Array; domains: Uint8Array }>();
  const mask = (column: LabelColumn) => {
    let entry = byKey.get(column.key);
    if (entry === undefined) byKey.set(column.key, (entry = { ids: column.ids, domains: new Uint8Array(column.values.length) }));
    return entry.domains;
  };
  for (const { counted: c } of own) {
    const domains = mask(c.column);
    for (let d = 0; d < c.counts.length; d++) if ((c.counts[d] as number) > 0) domains[d] = 1;
  }
  for (const e of symmetric) {
    const domains = mask(e.column);
    for (let d = 0; d < e.holders.length; d++) if (e.holders[d] !== undefined) domains[d] = 1;
  }
  return [...byKey.values()];
}

function blocked(ctx: AntiContext, i: number): boolean {
  for (const { ids, domains } of ctx.blocked) {
    const d = ids[i] as number;
    if (d !== -1 && domains[d] === 1) return true;
  }
  return false;
}

/**
 * No placed pod matching a required anti-affinity term in the node's domain (a node
 * without the label is in no domain, so it passes), and — symmetry — no placed pod
 * whose own required anti-affinity matches this pod in that domain. The symmetric
 * side reads the index's merged terms: O(distinct terms) per pod, not O(pods).
 */
export const podAntiAffinity = filterPlugin<AntiContext>({
  name: 'PodAntiAffinity',
  prepare(pod, index) {
    const symmetric: AntiAffinityEntry[] = [];
    for (const entry of index.antiAffinityEntries()) if (entry.selector.matches(pod.labels)) symmetric.push(entry);
    if (pod.podAntiAffinity.length === 0 && symmetric.length === 0) return undefined;
    const own = counted(pod.podAntiAffinity, index);
    return { own, symmetric, blocked: blockedDomains(own, symmetric) };
  },
  filter(_pod, node, ctx) {
    if (!blocked(ctx, node.i)) return undefined;
    const out: Rejection[] = [];
    for (const { term, counted: c } of ctx.own) {
      const d = c.column.ids[node.i] as number;
      const pod = d === -1 ? undefined : c.first(d);
      if (pod === undefined) continue;
      const domain = c.column.values[d] as string;
      out.push({ filter: 'PodAntiAffinity', topologyKey: term.topologyKey, selector: term.selector.text, conflictingPod: pod.pod.name, domain });
    }
    for (const e of ctx.symmetric) {
      const d = e.column.ids[node.i] as number;
      const holder = d === -1 ? undefined : e.holders[d];
      if (holder === undefined) continue;
      const domain = e.column.values[d] as string;
      out.push({ filter: 'PodAntiAffinity', topologyKey: e.topologyKey, selector: e.selector.text, conflictingPod: holder.pod.name, domain, symmetric: true });
    }
    return out;
  },
  filterMany(_pod, ctx, nodes, count) {
    let kept = 0;
    if (ctx.blocked.length === 1) {
      // One topology key (hostname, typically): two array reads per node.
      const { ids, domains } = ctx.blocked[0] as AntiContext['blocked'][number];
      for (let k = 0; k < count; k++) {
        const i = nodes[k] as number;
        const d = ids[i] as number;
        if (d === -1 || domains[d] === 0) nodes[kept++] = i;
      }
      return kept;
    }
    for (let k = 0; k < count; k++) {
      const i = nodes[k] as number;
      if (!blocked(ctx, i)) nodes[kept++] = i;
    }
    return kept;
  },
});
