import { resolve } from 'node:path';
import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import { type CniAttachment, addNetworkList, delNetworkList } from './cni-chain.js';
import { type CniNetworkList, DEFAULT_NETWORK, cniPortMappings, podNetworkConfigList } from './cni-config.js';
import { BinaryCniExecutor, type CniExecutor } from './cni-executor.js';
import { podIPFromResult } from './cni-result.js';
import { type CommandRunner, spawnCommand } from './command-runner.js';
import { CommandIptables, type Iptables } from './iptables.js';
import { removeBridgeMasqResidue } from './masq-residue.js';
import { IpNetnsManager, type NetnsManager } from './netns.js';
import type { PodNetwork, PodNetworkRequest, PodSandbox, PodSandboxStatus } from './pod-network.js';
import { type HostPortMapping, findHostPortConflict, hostPortConflictError, sameHostPorts, validatePodNetworkRequest } from './pod-ports.js';
import { sandboxNames } from './sandbox-names.js';
import { type SandboxRecord, SandboxStore } from './sandbox-store.js';
import { ProcSysctl, type Sysctl } from './sysctl.js';

export interface CniPodNetworkOptions {
  /** The agent's data dir: sandbox records go to `<dataDir>/network`, IP leases to `<dataDir>/network/ipam`. */
  dataDir: string;
  /** CNI network name (default `corral`). */
  networkName?: string;
  /** Pod bridge (default `corral0`). */
  bridge?: string;
  /** Pod subnet (default `10.88.0.0/16`). */
  subnet?: string;
  /**
   * Where `route_localnet` is switched on so that 127.0.0.1:hostPort reaches a pod.
   * `bridge` (default) sets it on the pod bridge only; `all` sets
   * net.ipv4.conf.all.route_localnet, which also lets other hosts on the LAN reach
   * services bound to 127.0.0.1 (CVE-2020-8558) unless the firewall drops such packets.
   */
  routeLocalnet?: 'bridge' | 'all';
}

export interface CniPodNetworkDeps {
  cni: CniExecutor;
  netns: NetnsManager;
  sysctl: Sysctl;
  iptables: Iptables;
}

const IF_NAME = 'eth0';

/** The real host tools: plugin binaries from `cniPath`, `ip`, `iptables`, /proc/sys. */
export function hostPodNetworkDeps(options: { cniPath?: ReadonlyArray<string>; run?: CommandRunner } = {}): CniPodNetworkDeps {
  const run = options.run ?? spawnCommand;
  return {
    cni: new BinaryCniExecutor({ cniPath: options.cniPath ?? ['/usr/lib/cni', '/opt/cni/bin'], run }),
    netns: new IpNetnsManager(run),
    sysctl: new ProcSysctl(),
    iptables: new CommandIptables(run),
  };
}

/**
 * Pod sandboxes made of a named network namespace and the CNI chain
 * bridge (+ host-local IPAM) → portmap, run by executing the plugins directly.
 * Operations run one at a time: plugins race each other creating shared
 * iptables chains, and an edge node starts few pods.
 */
export class CniPodNetwork implements PodNetwork {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly networkList: CniNetworkList,
    private readonly bridge: string,
    private readonly routeLocalnet: 'bridge' | 'all',
    private readonly store: SandboxStore,
    private readonly deps: CniPodNetworkDeps,
  ) {}

  /** Validates the settings and builds the network; an invalid subnet or bridge name is a `CORRAL_NETWORK_INVALID` error. */
  static create(options: CniPodNetworkOptions, deps: CniPodNetworkDeps): Result<CniPodNetwork> {
    const dir = `${resolve(options.dataDir)}/network`;
    const bridge = options.bridge ?? DEFAULT_NETWORK.bridge;
    const list = podNetworkConfigList({
      name: options.networkName ?? DEFAULT_NETWORK.name,
      bridge,
      subnet: options.subnet ?? DEFAULT_NETWORK.subnet,
      ipamDataDir: `${dir}/ipam`,
    });
    if (!list.ok) return list;
    return ok(new CniPodNetwork(list.value, bridge, options.routeLocalnet ?? 'bridge', new SandboxStore(dir), deps));
  }

  setUp(pod: PodNetworkRequest): Promise<PodSandbox> {
    return this.serial(async () => {
      const request = unwrap(validatePodNetworkRequest(pod));
      const existing = unwrap(await this.store.read(request.uid));
      if (existing !== undefined) {
        const { podIP } = existing;
        const samePorts = sameHostPorts(hostPortsOf(existing), request.hostPorts);
        if (existing.phase === 'ready' && podIP !== undefined && samePorts && (await this.deps.netns.exists(existing.netnsName))) return { netnsPath: existing.netnsPath, podIP };
        // Stale (namespace gone with a reboot), half-made (crash during ADD) or other ports: start over.
        unwrap(await this.release(existing));
      }
      const names = sandboxNames(request.uid);
      if (await this.deps.netns.exists(names.netnsName)) {
        throw new CorralError(ErrorCode.NetworkNamespaceFailed, `network namespace ${names.netnsName} exists but pod ${request.uid} has no sandbox record; not touching it`);
      }
      const conflict = findHostPortConflict(request.hostPorts, await this.othersHostPorts(request.uid));
      if (conflict !== undefined) throw hostPortConflictError(request.uid, conflict);
      // Pods reach beyond the bridge only when the node forwards (the bridge plugin's isGateway sets it too; we make it explicit).
      unwrap(await this.deps.sysctl.ensure('net/ipv4/ip_forward', '1'));
      if (request.hostPorts.length > 0 && this.routeLocalnet === 'all') unwrap(await this.deps.sysctl.ensure('net/ipv4/conf/all/route_localnet', '1'));

      const record: SandboxRecord = {
        version: 1,
        podUid: request.uid,
        podName: request.name,
        containerId: names.containerId,
        netnsName: names.netnsName,
        netnsPath: names.netnsPath,
        ifName: IF_NAME,
        network: this.networkList,
        portMappings: cniPortMappings(request.hostPorts),
        phase: 'creating',
      };
      // Written before the first side effect: whatever happens next, tearDown knows what to undo.
      unwrap(await this.store.write(record));
      const created = await this.deps.netns.create(names.netnsName);
      if (!created.ok) return this.rollback(record, created.error);
      const added = await addNetworkList(this.deps.cni, attachmentOf(record));
      if (!added.ok) return this.rollback({ ...record, result: added.partial }, added.error);
      const withResult: SandboxRecord = { ...record, result: added.result };
      const podIP = podIPFromResult(added.result, IF_NAME);
      if (!podIP.ok) return this.rollback(withResult, new CorralError(ErrorCode.NetworkPluginFailed, `CNI ADD: ${podIP.error}`));
      if (request.hostPorts.length > 0 && this.routeLocalnet === 'bridge') {
        // portmap (snat: true) sets this too; 127/8 packets DNATed to a pod are otherwise dropped as martians on the bridge.
        const localnet = await this.deps.sysctl.ensure(`net/ipv4/conf/${this.bridge}/route_localnet`, '1');
        if (!localnet.ok) return this.rollback(withResult, localnet.error);
      }
      const saved = await this.store.write({ ...withResult, phase: 'ready', podIP: podIP.value });
      if (!saved.ok) return this.rollback(withResult, saved.error);
      return { netnsPath: names.netnsPath, podIP: podIP.value };
    });
  }

  tearDown(podUid: string): Promise<void> {
    return this.serial(async () => {
      const record = unwrap(await this.store.read(checkUid(podUid)));
      if (record !== undefined) unwrap(await this.release(record));
    });
  }

  list(): Promise<string[]> {
    return this.serial(async () => unwrap(await this.store.list()));
  }

  get(podUid: string): Promise<PodSandboxStatus | undefined> {
    return this.serial(async () => {
      const record = unwrap(await this.store.read(checkUid(podUid)));
      if (record === undefined) return undefined;
      return {
        podUid: record.podUid,
        podName: record.podName,
        netnsPath: record.netnsPath,
        podIP: record.podIP,
        hostPorts: hostPortsOf(record),
        ready: record.phase === 'ready' && (await this.deps.netns.exists(record.netnsName)),
      };
    });
  }

  /** DEL (reverse order, with the stored ADD result), leftover masquerade rules, the namespace, then the record. */
  private async release(record: SandboxRecord): Promise<Result<void>> {
    const deleted = await delNetworkList(this.deps.cni, { ...attachmentOf(record), prevResult: record.result });
    const residue = await removeBridgeMasqResidue(this.deps.iptables, { networkName: record.network.name, containerId: record.containerId });
    const netns = await this.deps.netns.remove(record.netnsName);
    const failed = [deleted, residue, netns].find((r) => !r.ok);
    // The record stays until everything is released, so a later tearDown (every step is idempotent) finishes the job.
    if (failed !== undefined && !failed.ok) {
      return err(new CorralError(failed.error.code, `tear down sandbox of pod ${record.podUid}: ${failed.error.message}`, { cause: failed.error }));
    }
    return this.store.remove(record.podUid);
  }

  /** Undoes a setUp that failed half-way, then rejects with the original error (a failed undo leaves the record for tearDown). */
  private async rollback(record: SandboxRecord, error: CorralError): Promise<never> {
    await this.release(record);
    throw error;
  }

  private async othersHostPorts(podUid: string): Promise<Array<{ podUid: string; hostPorts: HostPortMapping[] }>> {
    const others: Array<{ podUid: string; hostPorts: HostPortMapping[] }> = [];
    for (const uid of unwrap(await this.store.list())) {
      if (uid === podUid) continue;
      const record = unwrap(await this.store.read(uid));
      if (record !== undefined) others.push({ podUid: uid, hostPorts: hostPortsOf(record) });
    }
    return others;
  }

  /** One operation at a time; anything that is not a CorralError becomes one, so callers only ever see CORRAL_NETWORK_* codes. */
  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.tail.then(operation).catch((error: unknown) => {
      if (error instanceof CorralError) throw error;
      throw new CorralError(ErrorCode.NetworkHostFailed, `pod network: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function attachmentOf(record: SandboxRecord): CniAttachment {
  return {
    list: record.network,
    containerId: record.containerId,
    netnsPath: record.netnsPath,
    ifName: record.ifName,
    runtimeConfig: { portMappings: record.portMappings },
  };
}

function hostPortsOf(record: SandboxRecord): HostPortMapping[] {
  return record.portMappings.map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol === 'udp' ? 'UDP' : 'TCP' }));
}

function checkUid(podUid: string): string {
  const valid = validatePodNetworkRequest({ uid: podUid, name: '-', ports: [] });
  if (!valid.ok) throw valid.error;
  return podUid;
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}
