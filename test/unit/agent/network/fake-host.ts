import { CorralError, ErrorCode, type Result, err, ok } from '../../../../protocol/src/index.js';
import type { CniPodNetworkDeps } from '../../../../agent/src/network/cni-pod-network.js';
import { type CniCommand, type CniExecutor, type CniInvocation, CniPluginError } from '../../../../agent/src/network/cni-executor.js';
import type { Iptables } from '../../../../agent/src/network/iptables.js';
import { bridgeMasqChain } from '../../../../agent/src/network/masq-residue.js';
import type { NetnsManager } from '../../../../agent/src/network/netns.js';
import type { Sysctl } from '../../../../agent/src/network/sysctl.js';

type Ranges = Array<Array<{ subnet: string }>>;

/**
 * A host in memory that behaves like bridge + host-local + portmap 1.1.1: the
 * bridge plugin leases an address and, with ipMasq, leaves a masquerade chain
 * behind when DEL finds the namespace gone — the residue CniPodNetwork must clean.
 */
export class FakeHost {
  readonly namespaces = new Set<string>();
  readonly sysctls = new Map<string, string>();
  /** containerId → leased address. */
  readonly leases = new Map<string, string>();
  /** containerId → forwarded host ports. */
  readonly portmaps = new Map<string, unknown[]>();
  /** Masquerade chains per container id: `networkName/containerId`. */
  readonly masqChains = new Set<string>();
  readonly calls: Array<{ command: CniCommand; plugin: string; config: Record<string, unknown> }> = [];
  readonly iptablesCommands: string[][] = [];
  /** Make a plugin fail: `fail.add('portmap ADD')`. */
  readonly fail = new Set<string>();

  readonly deps: CniPodNetworkDeps = {
    cni: { invoke: (inv) => this.invoke(inv) } satisfies CniExecutor,
    netns: {
      create: async (name) => {
        if (this.fail.has('netns create')) return err(new CorralError(ErrorCode.NetworkNamespaceFailed, 'injected'));
        if (this.namespaces.has(name)) return err(new CorralError(ErrorCode.NetworkNamespaceFailed, `${name} exists`));
        this.namespaces.add(name);
        return ok(`/var/run/netns/${name}`);
      },
      remove: async (name) => {
        this.namespaces.delete(name);
        return ok(undefined);
      },
      exists: async (name) => this.namespaces.has(name),
    } satisfies NetnsManager,
    sysctl: {
      ensure: async (key, value) => {
        this.sysctls.set(key, value);
        return ok(undefined);
      },
    } satisfies Sysctl,
    iptables: {
      save: async () => ok(this.natSave()),
      exec: async (args) => {
        this.iptablesCommands.push([...args]);
        const chain = args[3];
        if (args[2] === '-X' && chain !== undefined) for (const key of this.masqChains) if (bridgeMasqChain(...(key.split('/') as [string, string])) === chain) this.masqChains.delete(key);
        return ok(undefined);
      },
    } satisfies Iptables,
  };

  private nextHost = 2;

  /** What a reboot does: namespaces gone; on-disk leases and records stay (iptables rules would go too, but a namespace deleted behind our back leaves them). */
  dropNamespaces(): void {
    this.namespaces.clear();
  }

  private async invoke(inv: CniInvocation): Promise<Result<string, CniPluginError>> {
    const plugin = inv.config.type;
    this.calls.push({ command: inv.command, plugin, config: inv.config });
    if (this.fail.has(`${plugin} ${inv.command}`)) {
      return err(new CniPluginError({ plugin, command: inv.command, message: 'code 11 (try again later): injected', cniError: { code: 11, msg: 'injected' } }));
    }
    const netnsName = inv.netnsPath.split('/').pop() ?? '';
    if (plugin === 'bridge') return this.bridge(inv, netnsName);
    if (plugin === 'portmap') {
      if (inv.command === 'ADD') {
        this.portmaps.set(inv.containerId, (inv.config.runtimeConfig as { portMappings?: unknown[] } | undefined)?.portMappings ?? []);
        return ok(JSON.stringify(inv.config.prevResult));
      }
      if (inv.command === 'DEL') this.portmaps.delete(inv.containerId);
      return ok('');
    }
    return err(new CniPluginError({ plugin, command: inv.command, message: 'no such plugin' }));
  }

  private bridge(inv: CniInvocation, netnsName: string): Result<string, CniPluginError> {
    const network = String(inv.config.name);
    const masqKey = `${network}/${inv.containerId}`;
    if (inv.command === 'ADD') {
      if (!this.namespaces.has(netnsName)) return err(new CniPluginError({ plugin: 'bridge', command: 'ADD', message: 'no netns' }));
      const subnet = ((inv.config.ipam as { ranges: Ranges }).ranges[0]?.[0]?.subnet ?? '').split('/')[0]?.split('.') ?? [];
      const ip = `${subnet.slice(0, 3).join('.')}.${this.nextHost++}`;
      this.leases.set(inv.containerId, ip);
      if (inv.config.ipMasq === true) this.masqChains.add(masqKey);
      return ok(
        JSON.stringify({
          cniVersion: '1.0.0',
          interfaces: [{ name: String(inv.config.bridge), mac: '00:00:00:00:00:01' }, { name: `veth${this.nextHost}`, mac: '00:00:00:00:00:02' }, { name: inv.ifName, mac: '00:00:00:00:00:03', sandbox: inv.netnsPath }],
          ips: [{ interface: 2, address: `${ip}/24`, gateway: `${subnet.slice(0, 3).join('.')}.1` }],
          routes: [{ dst: '0.0.0.0/0' }],
          dns: {},
        }),
      );
    }
    if (inv.command === 'DEL') {
      this.leases.delete(inv.containerId);
      // Like the real plugin: without the namespace it cannot learn the address, so the masquerade chain stays.
      if (this.namespaces.has(netnsName)) this.masqChains.delete(masqKey);
      return ok('');
    }
    return this.leases.has(inv.containerId) ? ok('') : err(new CniPluginError({ plugin: 'bridge', command: 'CHECK', message: 'no lease' }));
  }

  private natSave(): string {
    const lines = ['*nat', ':POSTROUTING ACCEPT [0:0]'];
    for (const key of this.masqChains) lines.push(`:${bridgeMasqChain(...(key.split('/') as [string, string]))} - [0:0]`);
    for (const key of this.masqChains) {
      const [network, id] = key.split('/') as [string, string];
      lines.push(`-A POSTROUTING -s 10.0.0.2/32 -m comment --comment "name: \\"${network}\\" id: \\"${id}\\"" -j ${bridgeMasqChain(network, id)}`);
    }
    lines.push('COMMIT');
    return lines.join('\n');
  }
}
