import { randomBytes } from 'node:crypto';
import { runCommand } from './exec.js';

/** The simulated hosts' LAN: every host gets `LAN_PREFIX.<index>/24` on its uplink. */
export const LAN_PREFIX = '10.213.0';
export const LAN_BITS = 24;
export const HUB_INDEX = 1;
export const BROKER_INDEX = 2;
/** Agent i (1-based) is host `AGENT_INDEX_BASE + i`. */
export const AGENT_INDEX_BASE = 10;

/**
 * Every name one harness run gives the kernel, all under one prefix `ce<4 hex>` so that runs never
 * collide and a run's leftovers are recognizable. Interface names stay within IFNAMSIZ (15 chars);
 * interfaces live only inside the run's namespaces, never in the root one.
 */
export class RunNames {
  constructor(readonly prefix: string) {}

  /** The namespace holding the LAN bridge. */
  get switchNs(): string {
    return `${this.prefix}-sw`;
  }

  /** The LAN bridge, inside `switchNs`. */
  get bridge(): string {
    return `${this.prefix}br`;
  }

  hostNs(host: string): string {
    return `${this.prefix}-${host}`;
  }

  /** The switch-side end of host `index`'s veth pair (a port of the bridge). */
  switchPort(index: number): string {
    return `${this.prefix}s${index}`;
  }

  /** The host-side end, the host's uplink. */
  uplink(index: number): string {
    return `${this.prefix}h${index}`;
  }

  address(index: number): string {
    return `${LAN_PREFIX}.${index}`;
  }

  /** Agent i's pod bridge (created by the CNI bridge plugin inside the agent's host namespace). */
  podBridge(agent: number): string {
    return `${this.prefix}p${agent}`;
  }

  /** Agent i's pod subnet; distinct per agent and apart from the LAN. */
  podSubnet(agent: number): string {
    return `10.214.${agent}.0/24`;
  }
}

/** Named network namespaces (`ip netns list`, names only). */
export async function listNetns(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/** A fresh `ce<4 hex>` prefix that no existing namespace uses. */
export async function newRunNames(): Promise<RunNames> {
  const existing = await listNetns();
  for (;;) {
    const prefix = `ce${randomBytes(2).toString('hex')}`;
    if (!existing.some((ns) => ns.startsWith(prefix))) return new RunNames(prefix);
  }
}
