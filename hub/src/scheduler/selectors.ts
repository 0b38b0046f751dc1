import type { LabelSelector, NodeSelectorRequirement, NodeSelectorTerm } from '../../../protocol/src/index.js';

/** Labels of a node or a pod. */
export type LabelSet = Readonly<Record<string, string>>;

/** A label of `labels`, own properties only (a label named `constructor` is not inherited). */
export function labelOf(labels: LabelSet, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/**
 * One `key`/`values` pair a matching pod's labels must contain; `values`
 * undefined means any value (Exists). Used to look pods up in the label index.
 */
export interface SelectorAnchor {
  readonly key: string;
  readonly values: readonly string[] | undefined;
}

/** A label selector compiled once per pod. */
export interface CompiledSelector {
  /** kubectl-style and canonical (sorted): `app=web,tier in (a,b),!legacy`; `<all>` for the empty selector. */
  readonly text: string;
  /** Requirements of which a matching pod holds at least one value (empty: scan every pod). */
  readonly anchors: readonly SelectorAnchor[];
  /** The selector is its one anchor: every pod the label index finds for it matches, no check needed. */
  readonly anchorOnly: boolean;
  matches(labels: LabelSet): boolean;
}

type SetOp = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

interface SetRequirement {
  key: string;
  op: SetOp;
  values: ReadonlySet<string>;
}

function setRequirementText(r: SetRequirement): string {
  const values = [...r.values].sort().join(',');
  switch (r.op) {
    case 'In':
      return r.values.size === 1 ? `${r.key}=${values}` : `${r.key} in (${values})`;
    case 'NotIn':
      return r.values.size === 1 ? `${r.key}!=${values}` : `${r.key} notin (${values})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
  }
}

function matchesSet(labels: LabelSet, r: SetRequirement): boolean {
  const value = labelOf(labels, r.key);
  switch (r.op) {
    case 'In':
      return value !== undefined && r.values.has(value);
    case 'NotIn':
      return value === undefined || !r.values.has(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

/** Kubernetes label selector semantics: all of matchLabels and every expression; the empty selector matches every pod. */
export function compileLabelSelector(selector: Partial<LabelSelector> | undefined): CompiledSelector {
  const requirements: SetRequirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) requirements.push({ key, op: 'In', values: new Set([value]) });
  for (const e of selector?.matchExpressions ?? []) requirements.push({ key: e.key, op: e.operator, values: new Set(e.values ?? []) });
  const texts = requirements.map(setRequirementText).sort();
  const anchors: SelectorAnchor[] = [];
  for (const r of requirements) {
    if (r.op === 'In') anchors.push({ key: r.key, values: [...r.values] });
    else if (r.op === 'Exists') anchors.push({ key: r.key, values: undefined });
  }
  const n = requirements.length;
  return {
    text: n === 0 ? '<all>' : [...new Set(texts)].join(','),
    anchors,
    anchorOnly: n === 1 && anchors.length === 1,
    matches(labels) {
      for (let i = 0; i < n; i++) if (!matchesSet(labels, requirements[i] as SetRequirement)) return false;
      return true;
    },
  };
}

const INTEGER = /^[+-]?\d+$/;

/** One node selector requirement (`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`) compiled. */
export interface CompiledRequirement {
  readonly key: string;
  /** `zone in (a,b)`, `gpu`, `!legacy`, `cores>4`. */
  readonly text: string;
  matches(labels: LabelSet): boolean;
}

export function compileRequirement(r: NodeSelectorRequirement): CompiledRequirement {
  if (r.operator === 'Gt' || r.operator === 'Lt') {
    const bound = BigInt(r.values[0] ?? '0');
    const greater = r.operator === 'Gt';
    return {
      key: r.key,
      text: `${r.key}${greater ? '>' : '<'}${r.values[0] ?? ''}`,
      // Kubernetes parses the label as an integer; a label that is not one does not match.
      matches(labels) {
        const value = labelOf(labels, r.key);
        if (value === undefined || !INTEGER.test(value)) return false;
        const actual = BigInt(value);
        return greater ? actual > bound : actual < bound;
      },
    };
  }
  const set: SetRequirement = { key: r.key, op: r.operator, values: new Set(r.values) };
  return { key: r.key, text: setRequirementText(set), matches: (labels) => matchesSet(labels, set) };
}

/** The requirements of a node selector term, ANDed; an empty term matches no node (as in Kubernetes). */
export interface CompiledTerm {
  readonly requirements: readonly CompiledRequirement[];
  /** Index of the first requirement the labels fail, or -1 when the term matches. */
  firstFailure(labels: LabelSet): number;
}

export function compileTerm(term: Partial<NodeSelectorTerm>): CompiledTerm {
  const requirements = (term.matchExpressions ?? []).map(compileRequirement);
  const n = requirements.length;
  return {
    requirements,
    firstFailure(labels) {
      if (n === 0) return 0;
      for (let i = 0; i < n; i++) if (!(requirements[i] as CompiledRequirement).matches(labels)) return i;
      return -1;
    },
  };
}

/** Text of a term's `i`th requirement, or of an empty term. */
export function requirementText(term: CompiledTerm, i: number): string {
  return term.requirements[i]?.text ?? '<empty term matches no node>';
}
