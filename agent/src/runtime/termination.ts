import type { CgroupUsage } from './cgroups.js';

export type ExitReason = 'Completed' | 'Error' | 'OOMKilled';

/** 128 + SIGKILL: how a shell, runc and crun report a process the kernel killed. */
const KILLED = 137;

/**
 * Why a container stopped, from its exit code and its cgroup read before the
 * container was deleted. Any OOM kill in the cgroup makes it OOMKilled, as
 * containerd reports it (the victim may have been a child, the exit code then
 * being the init's reaction to that). Without an `oom_kill` counter (v1 kernels
 * before 4.13), a SIGKILL exit after usage hit the limit counts as one.
 */
export function terminationReason(exitCode: number, usage: Pick<CgroupUsage, 'oomKills' | 'memoryLimitHits'> | undefined): ExitReason {
  if (usage?.oomKills !== undefined) {
    if (usage.oomKills > 0) return 'OOMKilled';
  } else if (exitCode === KILLED && (usage?.memoryLimitHits ?? 0) > 0) {
    return 'OOMKilled';
  }
  return exitCode === 0 ? 'Completed' : 'Error';
}
