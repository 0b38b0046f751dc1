import type { Container } from '../../../protocol/src/index.js';
import type { PodRequests } from './types.js';

type Resources = Pick<Container, 'resources'>;

/**
 * A pod's resource requests: the sum over its containers of each request,
 * falling back to the limit per resource (cpu millicores, memory bytes); pids
 * from the limits (what the agent enforces as `pids.max`), else the request.
 * 0 when a container states neither.
 */
export function podRequests(spec: { readonly containers: readonly Resources[] }): PodRequests {
  let cpu = 0;
  let memory = 0;
  let pids = 0;
  for (const { resources } of spec.containers) {
    const requests = resources?.requests ?? {};
    const limits = resources?.limits ?? {};
    cpu += requests.cpu ?? limits.cpu ?? 0;
    memory += requests.memory ?? limits.memory ?? 0;
    pids += limits.pids ?? requests.pids ?? 0;
  }
  return { cpu, memory, pids };
}

/**
 * What a pod without a cpu or memory request counts as when *scoring* (never when
 * fitting), as Kubernetes' `GetNonzeroRequests` does: otherwise every best-effort
 * pod would score every node alike and pile onto the first by name.
 */
export const NON_ZERO_REQUESTS = { cpu: 100, memory: 200 * 1024 * 1024 } as const;

export interface ScoringRequests {
  cpu: number;
  memory: number;
}

export function scoringRequests(requests: PodRequests): ScoringRequests {
  return {
    cpu: requests.cpu > 0 ? requests.cpu : NON_ZERO_REQUESTS.cpu,
    memory: requests.memory > 0 ? requests.memory : NON_ZERO_REQUESTS.memory,
  };
}
