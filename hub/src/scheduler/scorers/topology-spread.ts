import { scorerPlugin } from '../plugin.js';
import { nodeAffinityMask } from '../node-tables.js';
import { countAt, type SpreadCounts, spreadCounts } from '../topology.js';

/** Raw score of a node lacking a constraint's topology key: it scores 0. */
const OUTSIDE = -1;

/**
 * Topology spread with `whenUnsatisfiable: ScheduleAnyway`: the fewer matching pods
 * in the node's domains (summed over the constraints), the higher:
 * `100 × (max − s) / (max − min)` over the nodes that have every key (100 when all
 * are equal); nodes without a key score 0.
 */
export const topologySpreadScorer = scorerPlugin<SpreadCounts>({
  name: 'topologySpread',
  prepare(pod, index) {
    if (pod.softSpread.length === 0) return undefined;
    return spreadCounts(index, pod.softSpread, nodeAffinityMask(pod, index));
  },
  score(_pod, node, { counts }) {
    let sum = 0;
    for (const counted of counts) {
      const n = countAt(counted, node.i);
      if (n === -1) return OUTSIDE;
      sum += n;
    }
    return sum;
  },
  normalize(raw) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of raw) {
      if (s === OUTSIDE) continue;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const span = max - min;
    for (let k = 0; k < raw.length; k++) {
      const s = raw[k] as number;
      raw[k] = s === OUTSIDE ? 0 : span > 0 ? (100 * (max - s)) / span : 100;
    }
  },
});
