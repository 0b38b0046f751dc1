import { scorerPlugin } from '../plugin.js';
import { countAt, countByDomain, type DomainCounts } from '../topology.js';
import { minMax } from './normalize.js';

interface SignedTerm {
  /** +weight for affinity, −weight for anti-affinity. */
  weight: number;
  counted: DomainCounts;
}

/**
 * Preferred pod affinity and anti-affinity: the sum of the weights of the affinity
 * terms with a matching pod in the node's domain, minus those of the anti-affinity
 * terms; min–max normalized (all equal: 0). Counts once per pod, as the filters do.
 */
export const podAffinityScorer = scorerPlugin<SignedTerm[]>({
  name: 'podAffinity',
  prepare(pod, index) {
    if (pod.preferredPodAffinity.length === 0 && pod.preferredPodAntiAffinity.length === 0) return undefined;
    return [
      ...pod.preferredPodAffinity.map((term) => ({ weight: term.weight, counted: countByDomain(index, term) })),
      ...pod.preferredPodAntiAffinity.map((term) => ({ weight: -term.weight, counted: countByDomain(index, term) })),
    ];
  },
  score(_pod, node, terms) {
    let sum = 0;
    for (const { weight, counted } of terms) if (countAt(counted, node.i) > 0) sum += weight;
    return sum;
  },
  normalize: (raw) => minMax(raw),
});
