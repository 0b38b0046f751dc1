import { readFile, readdir, rmdir } from 'node:fs/promises';
import { CGROUP_MOUNT, type CgroupFileReader, type CgroupLocation, cgroupDirs } from './cgroups.js';

/** The real `CgroupFileReader`: a file's text, undefined when it cannot be read. */
export const readCgroupFile: CgroupFileReader = (path) => readFile(path, 'utf8').catch(() => undefined);

/** What is mounted under the cgroup root on v1: `cpu`, `memory`, `systemd`, `unified`, … (symlinks such as `cpuacct` included). */
export async function cgroupHierarchies(mountRoot: string = CGROUP_MOUNT): Promise<string[]> {
  const entries = await readdir(mountRoot, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => e.name);
}

/**
 * Removes a cgroup and the empty cgroups below it, in every hierarchy, deepest
 * first (a cgroup directory only goes when it has no children and no tasks). Used
 * for a pod's parent once its containers are deleted; runc and crun remove the
 * containers' own. Answers the directories still left (busy or not removable).
 */
export async function removeCgroup(location: CgroupLocation): Promise<string[]> {
  const hierarchies = location.version === 'v1' ? await cgroupHierarchies(location.mountRoot) : [];
  const left: string[] = [];
  for (const dir of cgroupDirs(location, hierarchies)) {
    if (!(await removeTree(dir))) left.push(dir);
  }
  return left;
}

async function removeTree(dir: string): Promise<boolean> {
  const children = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : []));
  if (children === undefined) return true;
  let clean = true;
  for (const child of children) if (child.isDirectory()) clean = (await removeTree(`${dir}/${child.name}`)) && clean;
  if (!clean) return false;
  return rmdir(dir).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
  );
}
