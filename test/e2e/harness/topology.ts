import { runChecked, runCommand } from './exec.js';
import { LAN_BITS, type RunNames } from './names.js';

/** A simulated host: its network namespace and its address on the LAN. */
export interface HostLink {
  /** Host name within the cluster (`hub`, `broker`, `agent-1`, …). */
  name: string;
  index: number;
  ns: string;
  ip: string;
  /** The host's end of its veth pair, inside `ns`. */
  uplink: string;
  /** The switch's end, a port of the LAN bridge inside the switch namespace. */
  switchPort: string;
}

/**
 * The run's LAN: a "switch" namespace with a Linux bridge, and one namespace per host joined to the bridge
 * by a veth pair. Every namespace made is recorded before it is configured, so `destroy` after a half-done
 * setup still removes it; deleting a namespace removes the interfaces inside it.
 */
export class Topology {
  readonly hosts = new Map<string, HostLink>();
  private readonly namespaces: string[] = [];

  constructor(readonly names: RunNames) {}

  /** Creates the switch namespace and its bridge. */
  async createSwitch(): Promise<void> {
    const { switchNs, bridge } = this.names;
    await this.addNetns(switchNs);
    await runChecked('ip', ['-n', switchNs, 'link', 'add', bridge, 'type', 'bridge']);
    await runChecked('ip', ['-n', switchNs, 'link', 'set', bridge, 'up']);
  }

  /** Creates host `name`'s namespace, its uplink with address `LAN.index`, and plugs it into the switch. */
  async addHost(name: string, index: number): Promise<HostLink> {
    const { names } = this;
    const host: HostLink = { name, index, ns: names.hostNs(name), ip: names.address(index), uplink: names.uplink(index), switchPort: names.switchPort(index) };
    await this.addNetns(host.ns);
    this.hosts.set(name, host);
    // Created inside the switch namespace with its peer sent straight to the host's: nothing touches the root namespace.
    await runChecked('ip', ['-n', names.switchNs, 'link', 'add', host.switchPort, 'type', 'veth', 'peer', 'name', host.uplink, 'netns', host.ns]);
    await runChecked('ip', ['-n', names.switchNs, 'link', 'set', host.switchPort, 'master', names.bridge, 'up']);
    await runChecked('ip', ['-n', host.ns, 'link', 'set', 'lo', 'up']);
    await runChecked('ip', ['-n', host.ns, 'addr', 'add', `${host.ip}/${LAN_BITS}`, 'dev', host.uplink]);
    await runChecked('ip', ['-n', host.ns, 'link', 'set', host.uplink, 'up']);
    return host;
  }

  host(name: string): HostLink {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name} in this cluster (hosts: ${[...this.hosts.keys()].join(', ')})`);
    return host;
  }

  /**
   * Takes a host's switch port down (`up: false`) or back up. The host's uplink loses carrier, its packets
   * are dropped without an answer: TCP connections stall and retransmit, as in a real partition, no RST.
   */
  async setLink(name: string, up: boolean): Promise<void> {
    const host = this.host(name);
    await runChecked('ip', ['-n', this.names.switchNs, 'link', 'set', host.switchPort, up ? 'up' : 'down']);
  }

  /** Deletes every namespace this topology made (hosts first, then the switch); returns what failed. */
  async destroy(): Promise<string[]> {
    const failures: string[] = [];
    for (const ns of this.namespaces.splice(0).reverse()) {
      const result = await runCommand('ip', ['netns', 'delete', ns]);
      if (result.code !== 0) failures.push(`ip netns delete ${ns}: ${result.stderr.trim()}`);
    }
    this.hosts.clear();
    return failures;
  }

  private async addNetns(ns: string): Promise<void> {
    await runChecked('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
  }
}
