import type { CompiledPodTerm } from './prepared-pod.js';
import type { LabelColumn, PodRef, SnapshotIndex } from './snapshot-index.js';

/**
 * Placed pods matching a term's selector, per topology domain (value of the term's
 * topology key, as an id of the index's label column). Counted once per pod to
 * schedule, so a node then costs two array reads.
 */
export interface DomainCounts {
  readonly column: LabelColumn;
  /** Per domain id: matching pods there. */
  readonly counts: Int32Array;
  /** The earliest matching pod in domain `d` in snapshot order (the one rejections name); worked out on first call. */
  first(d: number): PodRef | undefined;
  /** How many domains hold a matching pod. */
  readonly domains: number;
}

/**
 * O(candidate pods) through the index's label lookup. Pods on nodes without the key,
 * or outside `eligible` when given, are not counted.
 */
export function countByDomain(index: SnapshotIndex, term: CompiledPodTerm, eligible?: Uint8Array): DomainCounts {
  const { selector } = term;
  const column = index.column(term.topologyKey);
  const ids = column.ids;
  const counts = new Int32Array(column.values.length);
  const matched: PodRef[] = [];
  const check = !selector.anchorOnly;
  let domains = 0;
  for (const ref of index.candidates(selector)) {
    if (eligible !== undefined && eligible[ref.node] === 0) continue;
    const d = ids[ref.node] as number;
    if (d === -1 || (check && !selector.matches(ref.pod.labels))) continue;
    const n = counts[d] as number;
    counts[d] = n + 1;
    if (n === 0) domains++;
    matched.push(ref);
  }
  let firsts: Array<PodRef | undefined> | undefined;
  const first = (d: number): PodRef | undefined => {
    if (firsts === undefined) {
      const table = new Array<PodRef | undefined>(counts.length).fill(undefined);
      for (const ref of matched) {
        const at = ids[ref.node] as number;
        const earliest = table[at];
        if (earliest === undefined || ref.seq < earliest.seq) table[at] = ref;
      }
      firsts = table;
    }
    return firsts[d];
  };
  return { column, counts, first, domains };
}

/** Matching pods in node `i`'s domain; -1 when the node lacks the topology key. */
export function countAt(c: DomainCounts, i: number): number {
  const d = c.column.ids[i] as number;
  return d === -1 ? -1 : (c.counts[d] as number);
}

/** Per-pod state of topology spread, shared by the filter (DoNotSchedule) and the scorer (ScheduleAnyway). */
export interface SpreadCounts {
  /** Per constraint: matching pods per domain, on eligible nodes. */
  readonly counts: readonly DomainCounts[];
  /** Per constraint: the smallest count over the domains of eligible nodes (0 for a domain without matching pods). */
  readonly minimums: readonly number[];
}

/**
 * Counts for a set of spread constraints. As in Kubernetes, only nodes that pass the
 * pod's node selector and required node affinity (`allowed`) and carry every
 * constraint's topology key are eligible: their pods are counted and their domains
 * compete for the minimum. O(nodes + candidate pods).
 */
export function spreadCounts(index: SnapshotIndex, terms: readonly CompiledPodTerm[], allowed: Uint8Array): SpreadCounts {
  const columns = terms.map((t) => index.column(t.topologyKey));
  const eligible = Uint8Array.from(allowed);
  for (const column of columns) for (let i = 0; i < eligible.length; i++) if (column.ids[i] === -1) eligible[i] = 0;
  const counts = terms.map((t) => countByDomain(index, t, eligible));
  const minimums = counts.map((c) => {
    let min = Infinity;
    for (let i = 0; i < eligible.length && min > 0; i++) if (eligible[i] === 1) min = Math.min(min, countAt(c, i));
    return min === Infinity ? 0 : min;
  });
  return { counts, minimums };
}
