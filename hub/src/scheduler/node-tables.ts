import type { PreparedPod } from './prepared-pod.js';
import type { CompiledRequirement, CompiledTerm } from './selectors.js';
import type { LabelColumn, SnapshotIndex } from './snapshot-index.js';

/**
 * Node requirements evaluated once per distinct label value instead of once per
 * node: a requirement becomes a table over its label column's value ids, so the
 * per-node check is two array reads. Built per pod in a plugin's `prepare`;
 * O(distinct values) each (Gt/Lt parse each value once, not once per node).
 */
export interface RequirementTable {
  readonly ids: Int32Array;
  /** `accept[id + 1]`: 1 when a node whose value has that id matches; `accept[0]` for nodes without the label. */
  readonly accept: Uint8Array;
}

export function requirementTable(requirement: CompiledRequirement, index: SnapshotIndex): RequirementTable {
  const key = requirement.key;
  const column: LabelColumn = index.column(key);
  const accept = new Uint8Array(column.values.length + 1);
  accept[0] = requirement.matches({}) ? 1 : 0;
  column.values.forEach((value, id) => {
    accept[id + 1] = requirement.matches({ [key]: value }) ? 1 : 0;
  });
  return { ids: column.ids, accept };
}

/** A node selector term over columns: requirements ANDed; an empty term matches no node. */
export class TermTable {
  private readonly tables: readonly RequirementTable[];

  constructor(term: CompiledTerm, index: SnapshotIndex) {
    this.tables = term.requirements.map((r) => requirementTable(r, index));
  }

  /** Index of the first requirement node `i` fails, or -1 when the term matches it. */
  firstFailure(i: number): number {
    const tables = this.tables;
    if (tables.length === 0) return 0;
    for (let r = 0; r < tables.length; r++) {
      const t = tables[r] as RequirementTable;
      if (t.accept[(t.ids[i] as number) + 1] === 0) return r;
    }
    return -1;
  }

  matches(i: number): boolean {
    return this.firstFailure(i) === -1;
  }

  /** Batch form: keeps in `nodes[0..count)` those the term matches, in order; one tight pass per requirement. */
  keep(nodes: Int32Array, count: number): number {
    if (this.tables.length === 0) return 0;
    let m = count;
    for (const table of this.tables) m = keepAccepted(table, nodes, m);
    return m;
  }
}

/** Keeps in `nodes[0..count)` the nodes a requirement accepts, in order; returns how many. */
export function keepAccepted({ ids, accept }: RequirementTable, nodes: Int32Array, count: number): number {
  let kept = 0;
  for (let k = 0; k < count; k++) {
    const i = nodes[k] as number;
    if (accept[(ids[i] as number) + 1] === 1) nodes[kept++] = i;
  }
  return kept;
}

/** The pod's nodeSelector, one `key = value` table per entry. */
export function selectorTables(pod: PreparedPod, index: SnapshotIndex): RequirementTable[] {
  return pod.nodeSelector.map(([key, value]) => {
    const column = index.column(key);
    const accept = new Uint8Array(column.values.length + 1);
    const id = column.values.indexOf(value);
    if (id !== -1) accept[id + 1] = 1;
    return { ids: column.ids, accept };
  });
}

/** Whether node `i` passes the pod's nodeSelector and required node affinity: which nodes topology spread counts on. */
export function nodeAffinityMask(pod: PreparedPod, index: SnapshotIndex): Uint8Array {
  const n = index.nodes.length;
  const mask = new Uint8Array(n).fill(1);
  for (const t of selectorTables(pod, index)) for (let i = 0; i < n; i++) if (t.accept[(t.ids[i] as number) + 1] === 0) mask[i] = 0;
  if (pod.requiredNodeAffinity !== undefined) {
    const terms = pod.requiredNodeAffinity.map((term) => new TermTable(term, index));
    for (let i = 0; i < n; i++) if (mask[i] === 1 && !terms.some((t) => t.matches(i))) mask[i] = 0;
  }
  return mask;
}
