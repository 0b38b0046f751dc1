import type { Toleration } from '../../../../protocol/src/index.js';
import { scorerPlugin } from '../plugin.js';
import { tolerated } from '../taints.js';
import { scaleToMax } from './normalize.js';

/**
 * PreferNoSchedule taints: the fewer the node has that the pod does not tolerate,
 * the higher (`100 − 100 × n / max`, all 100 when none). Only tolerations that can
 * apply to PreferNoSchedule count (effect empty or PreferNoSchedule).
 */
export const taintsScorer = scorerPlugin<Toleration[]>({
  name: 'taints',
  prepare: (pod, index) => (index.anySoftTaint ? pod.tolerations.filter((t) => t.effect === undefined || t.effect === 'PreferNoSchedule') : undefined),
  score(_pod, node, tolerations) {
    let n = 0;
    for (const taint of node.taints) if (taint.effect === 'PreferNoSchedule' && !tolerated(tolerations, taint)) n++;
    return n;
  },
  normalize: (raw) => scaleToMax(raw, true),
});
