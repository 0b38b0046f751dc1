import type { SchedulerConfig, ScorerName } from './types.js';

/** Scorer weights unless configured: preferences count double the resource balance. */
export const DEFAULT_WEIGHTS: Readonly<Record<ScorerName, number>> = { resources: 1, nodeAffinity: 2, podAffinity: 2, topologySpread: 2, taints: 1 };

export const defaultSchedulerConfig: SchedulerConfig = { resourceStrategy: 'LeastAllocated', weights: DEFAULT_WEIGHTS };

/** A scorer's weight: configured, else the default; 0 leaves the scorer out. */
export function weightOf(config: SchedulerConfig, name: ScorerName): number {
  return config.weights[name] ?? DEFAULT_WEIGHTS[name];
}
