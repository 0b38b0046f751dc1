import { nodeAffinityMask } from '../node-tables.js';
import { filterPlugin } from '../plugin.js';
import { countAt, type SpreadCounts, spreadCounts } from '../topology.js';
import type { Rejection } from '../types.js';

/**
 * Topology spread constraints with `whenUnsatisfiable: DoNotSchedule`: placing the
 * pod in the node's domain must keep `count + self − min ≤ maxSkew`, where `self`
 * is 1 when the pod matches the constraint's selector (Kubernetes' selfMatchNum)
 * and `min` the smallest count over the domains of eligible nodes. Nodes without
 * the topology key are rejected, as in Kubernetes.
 */
export const podTopologySpread = filterPlugin<SpreadCounts>({
  name: 'PodTopologySpread',
  prepare: (pod, index) => (pod.hardSpread.length === 0 ? undefined : spreadCounts(index, pod.hardSpread, nodeAffinityMask(pod, index))),
  filter(pod, node, { counts, minimums }) {
    let out: Rejection[] | undefined;
    for (let k = 0; k < pod.hardSpread.length; k++) {
      const c = pod.hardSpread[k] as (typeof pod.hardSpread)[number];
      const counted = counts[k] as SpreadCounts['counts'][number];
      const count = countAt(counted, node.i);
      if (count === -1) {
        (out ??= []).push({ filter: 'PodTopologySpread', topologyKey: c.topologyKey, skew: 0, maxSkew: c.maxSkew, missingLabel: true });
        continue;
      }
      const skew = count + (c.selfMatch ? 1 : 0) - (minimums[k] as number);
      if (skew > c.maxSkew) {
        const domain = counted.column.values[counted.column.ids[node.i] as number] as string;
        (out ??= []).push({ filter: 'PodTopologySpread', topologyKey: c.topologyKey, skew, maxSkew: c.maxSkew, domain });
      }
    }
    return out;
  },
});
