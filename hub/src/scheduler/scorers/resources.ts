import { scorerPlugin } from '../plugin.js';

interface ResourcesContext {
  most: boolean;
  cpu: number;
  memory: number;
  allocatableCpu: Float64Array;
  allocatableMemory: Float64Array;
  freeCpu: Float64Array;
  freeMemory: Float64Array;
  /** 100 / allocatable (0 when none): multiplications in the loop, not divisions. */
  percentCpu: Float64Array;
  percentMemory: Float64Array;
}

function clamp(s: number): number {
  return s > 0 ? (s < 100 ? s : 100) : 0; // also maps -0 and NaN to 0
}

function resourceScore(ctx: ResourcesContext, i: number): number {
  const cpuLeft = (ctx.freeCpu[i] as number) - ctx.cpu;
  const memoryLeft = (ctx.freeMemory[i] as number) - ctx.memory;
  const cpuPercent = ctx.percentCpu[i] as number;
  const memoryPercent = ctx.percentMemory[i] as number;
  if (ctx.most) return (clamp(((ctx.allocatableCpu[i] as number) - cpuLeft) * cpuPercent) + clamp(((ctx.allocatableMemory[i] as number) - memoryLeft) * memoryPercent)) * 0.5;
  return (clamp(cpuLeft * cpuPercent) + clamp(memoryLeft * memoryPercent)) * 0.5;
}

/**
 * LeastAllocated (spread): the average over cpu and memory of the share of
 * allocatable left after placing the pod; MostAllocated (bin-pack): the share
 * used. Already 0–100, so normalizing leaves it as it is (as in Kubernetes).
 * Requests here use Kubernetes' non-zero defaults (requests.ts).
 */
export const resourcesScorer = scorerPlugin<ResourcesContext>({
  name: 'resources',
  prepare: (pod, index, config) => ({
    most: config.resourceStrategy === 'MostAllocated',
    cpu: pod.scoringRequests.cpu,
    memory: pod.scoringRequests.memory,
    allocatableCpu: index.allocatableCpu,
    allocatableMemory: index.allocatableMemory,
    freeCpu: index.scoringFreeCpu,
    freeMemory: index.scoringFreeMemory,
    percentCpu: index.percentCpu,
    percentMemory: index.percentMemory,
  }),
  score: (_pod, node, ctx) => resourceScore(ctx, node.i),
  scoreMany(_pod, ctx, nodes, out) {
    if (ctx.most) {
      for (let k = 0; k < nodes.length; k++) out[k] = resourceScore(ctx, nodes[k] as number);
      return;
    }
    // LeastAllocated, the default, with the context's fields read once (V8 does not hoist them itself).
    const { cpu, memory, freeCpu, freeMemory, percentCpu, percentMemory } = ctx;
    for (let k = 0; k < nodes.length; k++) {
      const i = nodes[k] as number;
      out[k] = (clamp(((freeCpu[i] as number) - cpu) * (percentCpu[i] as number)) + clamp(((freeMemory[i] as number) - memory) * (percentMemory[i] as number))) * 0.5;
    }
  },
  normalize() {},
});
