import { execFile } from 'node:child_process';
import { readFile, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);

/**
 * Removes what an agent under test may have left when a test failed half-way
 * (or on purpose: containers outlive their agent): its containers, pod
 * network namespaces, iptables rules of its subnet, and pod cgroups.
 */
export async function removeAgentLeftovers(dataDir: string, subnet?: string): Promise<void> {
  const root = join(dataDir, 'run');
  for (const runtime of ['runc', 'crun']) {
    const state = join(root, runtime, 'state');
    const ids = (await quiet(run(runtime, ['--root', state, 'list', '-q'])))?.stdout.split('\n').filter(Boolean) ?? [];
    for (const id of ids) await quiet(run(runtime, ['--root', state, 'delete', '-f', id]));
  }
  const uids = new Set<string>(await readdir(join(dataDir, 'pods')).catch(() => []));
  for (const file of await readdir(join(dataDir, 'network')).catch(() => [] as string[])) {
    if (!file.endsWith('.json')) continue;
    uids.add(file.slice(0, -5));
    const record = JSON.parse(await readFile(join(dataDir, 'network', file), 'utf8').catch(() => '{}')) as { netnsPath?: string };
    if (record.netnsPath?.startsWith('/var/run/netns/')) await quiet(run('ip', ['netns', 'del', record.netnsPath.slice('/var/run/netns/'.length)]));
  }
  if (subnet) await removeRulesMatching([subnet.split('/')[0]!.split('.').slice(0, 3).join('.') + '.', ...uids]);
  for (const uid of uids) {
    for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
      const dir = join('/sys/fs/cgroup', controller, 'corral', `pod-${uid}`);
      for (const child of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (child.isDirectory()) await quiet(rmdir(join(dir, child.name)));
      await quiet(rmdir(dir));
    }
  }
}

/** Deletes nat/filter rules that mention any of `needles`, then the chains they jumped to if left empty. */
async function removeRulesMatching(needles: string[]): Promise<void> {
  for (const table of ['nat', 'filter']) {
    const dump = (await quiet(run('iptables-save', ['-t', table])))?.stdout ?? '';
    const chains = new Set<string>();
    for (const line of dump.split('\n')) {
      if (!line.startsWith('-A ') || !needles.some((n) => line.includes(n))) continue;
      const jump = / -j (CNI-[A-Za-z0-9-]+)/.exec(line)?.[1];
      if (jump && !jump.startsWith('CNI-HOSTPORT')) chains.add(jump);
      await quiet(run('sh', ['-c', `iptables -t ${table} ${line.replace(/^-A /, '-D ')}`]));
    }
    for (const chain of chains) {
      await quiet(run('iptables', ['-t', table, '-F', chain]));
      await quiet(run('iptables', ['-t', table, '-X', chain]));
    }
  }
}
