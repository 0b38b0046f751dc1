import { CorralError, ErrorCode } from '../../../protocol/src/index.js';
import { parseIPv4Cidr } from './cni-config.js';
import type { PodNetwork, PodNetworkRequest, PodSandbox, PodSandboxStatus } from './pod-network.js';
import { type HostPortMapping, findHostPortConflict, hostPortConflictError, sameHostPorts, validatePodNetworkRequest } from './pod-ports.js';
import { sandboxNames } from './sandbox-names.js';

interface MemorySandbox {
  name: string;
  podIP: string;
  hostPorts: HostPortMapping[];
  ready: boolean;
}

/**
 * An in-memory PodNetwork for tests of its users (the reconciler): same
 * validation, names, host-port rules and idempotency as CniPodNetwork, no host
 * changes. `simulateReboot()` makes every sandbox stale, as a reboot does.
 */
export class MemoryPodNetwork implements PodNetwork {
  private readonly sandboxes = new Map<string, MemorySandbox>();
  private readonly network: number;
  private readonly size: number;

  constructor(subnet = '10.88.0.0/16') {
    const parsed = parseIPv4Cidr(subnet);
    if (!parsed.ok) throw new CorralError(ErrorCode.NetworkInvalid, `pod network: subnet ${JSON.stringify(subnet)}: ${parsed.error}`, { path: 'subnet' });
    this.network = parsed.value.network;
    this.size = 2 ** (32 - parsed.value.prefix);
  }

  async setUp(pod: PodNetworkRequest): Promise<PodSandbox> {
    const valid = validatePodNetworkRequest(pod);
    if (!valid.ok) throw valid.error;
    const request = valid.value;
    const { netnsPath } = sandboxNames(request.uid);
    const existing = this.sandboxes.get(request.uid);
    if (existing?.ready && sameHostPorts(existing.hostPorts, request.hostPorts)) return { netnsPath, podIP: existing.podIP };
    this.sandboxes.delete(request.uid);
    const others = [...this.sandboxes].map(([podUid, s]) => ({ podUid, hostPorts: s.hostPorts }));
    const conflict = findHostPortConflict(request.hostPorts, others);
    if (conflict !== undefined) throw hostPortConflictError(request.uid, conflict);
    const podIP = this.allocate();
    this.sandboxes.set(request.uid, { name: request.name, podIP, hostPorts: request.hostPorts, ready: true });
    return { netnsPath, podIP };
  }

  async tearDown(podUid: string): Promise<void> {
    this.checkUid(podUid);
    this.sandboxes.delete(podUid);
  }

  async list(): Promise<string[]> {
    return [...this.sandboxes.keys()].sort();
  }

  async get(podUid: string): Promise<PodSandboxStatus | undefined> {
    this.checkUid(podUid);
    const sandbox = this.sandboxes.get(podUid);
    if (sandbox === undefined) return undefined;
    return { podUid, podName: sandbox.name, netnsPath: sandboxNames(podUid).netnsPath, podIP: sandbox.podIP, hostPorts: sandbox.hostPorts, ready: sandbox.ready };
  }

  /** Namespaces vanish with a reboot; records and leases stay until tearDown. */
  simulateReboot(): void {
    for (const sandbox of this.sandboxes.values()) sandbox.ready = false;
  }

  /** Lowest free address after the gateway (network + 1), as host-local hands them out on a fresh range. */
  private allocate(): string {
    const used = new Set([...this.sandboxes.values()].map((s) => s.podIP));
    for (let offset = 2; offset < this.size - 1; offset++) {
      const n = this.network + offset;
      const ip = [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
      if (!used.has(ip)) return ip;
    }
    throw new CorralError(ErrorCode.NetworkPluginFailed, 'pod network: no free address in the subnet');
  }

  private checkUid(podUid: string): void {
    const valid = validatePodNetworkRequest({ uid: podUid, name: '-', ports: [] });
    if (!valid.ok) throw valid.error;
  }
}
