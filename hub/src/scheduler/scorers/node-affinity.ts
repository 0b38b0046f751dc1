import { TermTable } from '../node-tables.js';
import { scorerPlugin } from '../plugin.js';
import { scaleToMax } from './normalize.js';

interface Preference {
  weight: number;
  term: TermTable;
}

/** Preferred node affinity: the sum of the weights of the preference terms the node matches, scaled to the best node. */
export const nodeAffinityScorer = scorerPlugin<Preference[]>({
  name: 'nodeAffinity',
  prepare: (pod, index) =>
    pod.preferredNodeAffinity.length > 0 ? pod.preferredNodeAffinity.map(({ weight, term }) => ({ weight, term: new TermTable(term, index) })) : undefined,
  score(_pod, node, preferences) {
    let sum = 0;
    for (const { weight, term } of preferences) if (term.matches(node.i)) sum += weight;
    return sum;
  },
  normalize: (raw) => scaleToMax(raw),
});
