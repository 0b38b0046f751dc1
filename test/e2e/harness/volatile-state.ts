import { readFile, rm } from 'node:fs/promises';
import { removeAgentLeftovers } from '../../support/agent-leftovers.js';
import { inNetns, runCommand } from './exec.js';

export interface VolatileState {
  /** The host's network namespace. */
  ns: string;
  /** Interfaces of the host itself that a reboot brings back (loopback, uplink); every other one goes. */
  keepLinks: readonly string[];
  /** The agent's data dir: its disk (LevelDB under `state`, images, pod dirs) survives. */
  dataDir: string;
  /** The agent's runtime state dir, a tmpfs on a real device: wiped. */
  runtimeStateDir: string;
}

/**
 * Removes what a power cycle of an agent's host would: its containers and their cgroups, pod network
 * namespaces, the host's iptables rules and virtual interfaces (pod bridge, veths), every mount below
 * the data dir, and the runtime state dir. Keeps everything on the data dir's disk. The agent must be
 * dead already. Best effort: returns what it could not do.
 */
export async function wipeVolatileState(state: VolatileState): Promise<string[]> {
  const failures: string[] = [];
  // Containers (runc/crun state lives in `<dataDir>/run`), pod netns, pod cgroups. Its iptables
  // clean-up (subnet rules) would act on the root namespace, so it is not asked for: see below.
  await removeAgentLeftovers(state.dataDir).catch((error: Error) => failures.push(`agent leftovers: ${error.message}`));
  failures.push(...(await flushFirewall(state.ns)), ...(await removeVirtualLinks(state.ns, state.keepLinks)));
  failures.push(...(await unmountBelow(state.dataDir)));
  await rm(state.runtimeStateDir, { recursive: true, force: true }).catch((error: Error) => failures.push(`rm ${state.runtimeStateDir}: ${error.message}`));
  return failures;
}

/** Empties every iptables table of the namespace (rules and user chains), as a boot would find them. */
async function flushFirewall(ns: string): Promise<string[]> {
  const failures: string[] = [];
  for (const table of ['filter', 'nat', 'mangle', 'raw']) {
    for (const flag of ['-F', '-X']) {
      const [program, argv] = inNetns(ns, 'iptables', ['-w', '5', '-t', table, flag]);
      const result = await runCommand(program, argv);
      // A table the kernel never loaded in this namespace has nothing to flush.
      if (result.code !== 0 && !/does not exist|can't initialize/i.test(result.stderr)) failures.push(`iptables -t ${table} ${flag} in ${ns}: ${result.stderr.trim()}`);
    }
  }
  return failures;
}

/** Deletes the namespace's interfaces other than `keep` (veth peers go with their partner). */
async function removeVirtualLinks(ns: string, keep: readonly string[]): Promise<string[]> {
  const failures: string[] = [];
  const { stdout } = await runCommand('ip', ['-n', ns, '-o', 'link', 'show']);
  const links = stdout
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && !keep.includes(name));
  for (const link of links) {
    const result = await runCommand('ip', ['-n', ns, 'link', 'delete', link]);
    // A veth whose partner was deleted a moment ago is already gone.
    if (result.code !== 0 && !/Cannot find device/i.test(result.stderr)) failures.push(`ip link delete ${link} in ${ns}: ${result.stderr.trim()}`);
  }
  return failures;
}

/** Unmounts (lazily, deepest first) every mount point below `dir` in the test's mount namespace. */
export async function unmountBelow(dir: string): Promise<string[]> {
  const failures: string[] = [];
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8))))
    .filter((p): p is string => p !== undefined && p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    const result = await runCommand('umount', ['-l', point]);
    if (result.code !== 0 && !/not mounted/i.test(result.stderr)) failures.push(`umount ${point}: ${result.stderr.trim()}`);
  }
  return failures;
}
