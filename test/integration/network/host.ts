import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { type CommandResult, spawnCommand } from '../../../agent/src/network/command-runner.js';
import { planChainRemoval, splitRuleSpec } from '../../../agent/src/network/masq-residue.js';
import { Daemon, waitFor } from '../../support/daemons.js';

/** Why the host cannot run these tests, or undefined when it can. */
export function missingPrerequisite(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, bridges, iptables)';
  for (const path of ['/usr/lib/cni/bridge', '/usr/lib/cni/host-local', '/usr/lib/cni/portmap']) if (!existsSync(path)) return `needs ${path} (containernetworking-plugins)`;
  return undefined;
}

export async function sh(file: string, args: ReadonlyArray<string>): Promise<CommandResult> {
  return spawnCommand(file, args, { timeoutMs: 10_000 });
}

/** A 10.x.y.0/24 no route or address of this host touches, so the test never meets a running agent's pods. */
export async function unusedSubnet(): Promise<{ subnet: string; prefix: string }> {
  const routes = `${(await sh('ip', ['-4', 'route', 'show', 'table', 'all'])).stdout}\n${(await sh('ip', ['-4', 'addr'])).stdout}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const prefix = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}.`;
    if (!routes.includes(prefix) && !routes.includes(prefix.split('.').slice(0, 2).join('.') + '.0.0/')) return { subnet: `${prefix}0/24`, prefix };
  }
  throw new Error('no unused 10.x.y.0/24');
}

/** Processes the tests start inside pod namespaces; all killed by `killAll`. */
export class Processes {
  private readonly daemons = new Set<Daemon>();

  /** `busybox httpd` serving `body` on `listen` (`port` or `addr:port`) inside the namespace. */
  async httpd(netnsName: string, listen: string, body: string, dir: string): Promise<Daemon> {
    const www = join(dir, `www-${netnsName}-${listen.replace(/[^0-9]/g, '_')}`);
    await mkdir(www, { recursive: true });
    await writeFile(join(www, 'index.html'), body);
    // `ip netns exec` execs the command, so the child's pid is busybox's own.
    const daemon = new Daemon(`httpd ${netnsName} ${listen}`, spawn('ip', ['netns', 'exec', netnsName, 'busybox', 'httpd', '-f', '-p', listen, '-h', www], { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.daemons.add(daemon);
    return daemon;
  }

  async killAll(): Promise<void> {
    for (const daemon of this.daemons) await daemon.stop('SIGKILL', 1000);
    this.daemons.clear();
  }
}

/** `busybox wget` run inside a namespace; answers the body or undefined. (busybox 1.35's `-T` crashes, so the runner times it out.) */
export async function wgetIn(netnsName: string, url: string): Promise<string | undefined> {
  const out = await spawnCommand('ip', ['netns', 'exec', netnsName, 'busybox', 'wget', '-q', '-O', '-', url], { timeoutMs: 3000 });
  return out.exitCode === 0 ? out.stdout : undefined;
}

/** Plain HTTP GET from the host. */
export function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: 3000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

/** Retries `probe` until it answers `expected` (servers need a moment to bind). */
export async function eventually(what: string, probe: () => Promise<string | undefined>, expected: string): Promise<void> {
  await waitFor(what, async () => ((await probe().catch(() => undefined)) === expected ? true : undefined), 10_000, 100);
}

/** Every trace a pod's sandbox may leave on the host; empty when it is gone. */
export async function tracesOf(pod: { netnsName: string; podIP: string; containerId: string; hostVeth: string | undefined; leaseFile: string; recordFile: string }): Promise<string[]> {
  const traces: string[] = [];
  if ((await sh('ip', ['netns', 'list'])).stdout.split('\n').some((l) => l.split(' ')[0] === pod.netnsName)) traces.push(`netns ${pod.netnsName}`);
  if (existsSync(`/var/run/netns/${pod.netnsName}`)) traces.push(`/var/run/netns/${pod.netnsName}`);
  if (pod.hostVeth !== undefined && (await sh('ip', ['link', 'show', 'dev', pod.hostVeth])).exitCode === 0) traces.push(`veth ${pod.hostVeth}`);
  for (const table of ['nat', 'filter']) {
    const saved = (await sh('iptables-save', ['-t', table])).stdout;
    for (const line of saved.split('\n')) {
      if (line.includes(`${pod.podIP}/`) || line.includes(`${pod.podIP}:`) || line.includes(pod.containerId)) traces.push(`${table}: ${line}`);
    }
  }
  if (existsSync(pod.leaseFile)) traces.push(`lease ${pod.leaseFile}`);
  if (existsSync(pod.recordFile)) traces.push(`record ${pod.recordFile}`);
  return traces;
}

export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

/** Removes every nat rule whose comment names the network, and the per-pod chains they jump to (after a failed test). */
export async function removeNetworkRules(networkName: string): Promise<void> {
  const saved = (await sh('iptables-save', ['-t', 'nat'])).stdout;
  const chains = new Set<string>();
  for (const line of saved.split('\n')) {
    if (!line.startsWith('-A ') || !line.includes(`name: \\"${networkName}\\"`)) continue;
    const args = splitRuleSpec(line);
    const target = args[args.indexOf('-j') + 1];
    if (target?.startsWith('CNI-') && !target.startsWith('CNI-HOSTPORT-')) chains.add(target);
    if (args[1]?.startsWith('CNI-') && !args[1].startsWith('CNI-HOSTPORT-')) chains.add(args[1]);
  }
  for (const chain of chains) {
    for (const args of planChainRemoval((await sh('iptables-save', ['-t', 'nat'])).stdout, chain)) await sh('iptables', ['-w', ...args]);
  }
}

/** portmap's shared chains, removed only when this test run created them and nothing uses them any more. */
export async function removeSharedPortmapChains(): Promise<void> {
  const saved = (await sh('iptables-save', ['-t', 'nat'])).stdout;
  if (saved.split('\n').some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT '))) return;
  for (const line of saved.split('\n')) {
    if (!line.startsWith('-A ')) continue;
    const args = splitRuleSpec(line);
    const target = args[args.indexOf('-j') + 1];
    if (['PREROUTING', 'OUTPUT', 'POSTROUTING'].includes(args[1] ?? '') && target?.startsWith('CNI-HOSTPORT-')) await sh('iptables', ['-w', '-t', 'nat', '-D', ...args.slice(1)]);
  }
  for (const chain of ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-MASQ', 'CNI-HOSTPORT-SETMARK']) {
    await sh('iptables', ['-w', '-t', 'nat', '-F', chain]);
    await sh('iptables', ['-w', '-t', 'nat', '-X', chain]);
  }
}
