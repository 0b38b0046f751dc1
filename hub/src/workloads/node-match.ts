import type { NodeSelectorRequirement, NodeSelectorTerm, PodTemplate, Toleration } from '../../../protocol/src/index.js';
import type { NodeTaint } from '../scheduler/types.js';

/** What placement reads of a node: its labels (with `corral.io/hostname`) and taints. */
export interface LabelledNode {
  name: string;
  labels: Readonly<Record<string, string>>;
  taints: readonly NodeTaint[];
}

/** One match expression against a node's labels, as Kubernetes evaluates it. */
export function matchesRequirement(labels: Readonly<Record<string, string>>, requirement: NodeSelectorRequirement): boolean {
  const value = Object.hasOwn(labels, requirement.key) ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && requirement.values.includes(value);
    case 'NotIn':
      return value === undefined || !requirement.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const actual = Number(value);
      const bound = Number(requirement.values[0]);
      return requirement.operator === 'Gt' ? actual > bound : actual < bound;
    }
  }
}

/** A term holds when all its expressions do (an empty term matches nothing, as in Kubernetes). */
export function matchesTerm(labels: Readonly<Record<string, string>>, term: NodeSelectorTerm): boolean {
  return term.matchExpressions.length > 0 && term.matchExpressions.every((r) => matchesRequirement(labels, r));
}

/** Whether one toleration tolerates a taint (Kubernetes' `ToleratesTaint`). */
export function tolerates(toleration: Toleration, taint: NodeTaint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  if (toleration.key === undefined) return toleration.operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  return toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
}

/**
 * Whether a DaemonSet's pod template wants a pod on `node`: its nodeSelector, its required
 * node affinity (any term), and every NoSchedule/NoExecute taint tolerated. Resources,
 * readiness and cordons do not count, as for Kubernetes' DaemonSet pods.
 */
export function nodeMatchesTemplate(node: LabelledNode, template: Pick<PodTemplate, 'nodeSelector' | 'affinity' | 'tolerations'>): boolean {
  for (const [key, wanted] of Object.entries(template.nodeSelector)) {
    if (node.labels[key] !== wanted) return false;
  }
  const terms = template.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms !== undefined && !terms.some((term) => matchesTerm(node.labels, term))) return false;
  return node.taints.every((taint) => taint.effect === 'PreferNoSchedule' || template.tolerations.some((t) => tolerates(t, taint)));
}
