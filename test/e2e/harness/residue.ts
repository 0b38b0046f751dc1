import { createHash } from 'node:crypto';
import { access, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listNetns } from './names.js';

/** What a run left on the machine; every list empty after a clean `cleanup()`. */
export interface Residue {
  /** Named network namespaces with the run's prefix, or a known pod's sandbox name. */
  namespaces: string[];
  /** `/sys/fs/cgroup/<controller>/corral/pod-<uid>` of known pods. */
  cgroups: string[];
  /** PIDs of processes in a known pod's cgroup (a container still running). */
  processes: number[];
  /** Mount points below the run's directory. */
  mounts: string[];
}

/**
 * Looks for anything of a run still on the machine: its namespaces, and for the pods it ran (by uid) their
 * sandbox netns, cgroups and processes; mounts below `runDir`. Read-only.
 */
export async function findResidue(options: { prefix: string; runDir: string; podUids: readonly string[] }): Promise<Residue> {
  const sandboxes = new Set(options.podUids.map((uid) => `corral-${createHash('sha256').update(uid).digest('hex').slice(0, 12)}`));
  const namespaces = (await listNetns()).filter((ns) => ns.startsWith(options.prefix) || sandboxes.has(ns));
  const cgroups: string[] = [];
  for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    for (const uid of options.podUids) {
      const dir = join('/sys/fs/cgroup', controller, 'corral', `pod-${uid}`);
      if (await access(dir).then(() => true, () => false)) cgroups.push(dir);
    }
  }
  const processes: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cgroup = await readFile(`/proc/${entry}/cgroup`, 'utf8').catch(() => '');
    if (options.podUids.some((uid) => cgroup.includes(`/pod-${uid}`))) processes.push(Number(entry));
  }
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const mounts = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && (p === options.runDir || p.startsWith(`${options.runDir}/`)));
  return { namespaces, cgroups, processes, mounts };
}
