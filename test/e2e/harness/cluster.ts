import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeObject, NodePhase } from '../../../protocol/src/index.js';
import { type Daemon, tempDir, waitFor } from '../../support/daemons.js';
import { AgentHost } from './agent-host.js';
import { BrokerHost } from './broker-host.js';
import { type ApiPod, HubHost } from './hub-host.js';
import { AGENT_INDEX_BASE, BROKER_INDEX, HUB_INDEX, type RunNames, newRunNames } from './names.js';
import { waitReady } from './readiness.js';
import { type Residue, findResidue } from './residue.js';
import { type HostLink, Topology } from './topology.js';

export interface E2eClusterOptions {
  /** Number of agent hosts, named `agent-1` … `agent-N`. */
  agents: number;
  /** The hub's embedded broker (default), or Mosquitto on its own `broker` host. */
  broker?: 'embedded' | 'mosquitto';
  /** Further hub flags, e.g. `['--node-grace-seconds', '3']`. */
  hubArgs?: string[];
  /** Further flags for every agent. */
  agentArgs?: string[];
  /** Agent heartbeat period (default 1 s). */
  heartbeatSeconds?: number;
  /** Agent MQTT keepalive (default 5 s). */
  keepaliveSeconds?: number;
}

/**
 * A hub, optionally a Mosquitto broker, and N agents, each on its own simulated host (network namespace)
 * on one LAN (a bridge in a "switch" namespace), with faults to inject: cut/heal a host's link, signals,
 * hub and broker restarts, agent reboots. `cleanup()` removes every trace; call it in `after`.
 */
export class E2eCluster {
  readonly topology: Topology;
  hub!: HubHost;
  broker: BrokerHost | undefined;
  readonly agents: AgentHost[] = [];
  private cleaned = false;

  private constructor(
    readonly names: RunNames,
    /** The run's temp dir: data dirs, configs, the API socket, the image archive. */
    readonly dir: string,
    private readonly removeDir: () => Promise<void>,
  ) {
    this.topology = new Topology(names);
  }

  /** Builds the LAN, starts the broker (if any) and the hub, and starts the agents without waiting for them. */
  static async create(options: E2eClusterOptions): Promise<E2eCluster> {
    const names = await newRunNames();
    const dir = await tempDir(`e2e-${names.prefix}`);
    const cluster = new E2eCluster(names, dir.path, dir.remove);
    try {
      await cluster.setUp(options);
    } catch (error) {
      const hint = cluster.logs();
      await cluster.cleanup().catch(() => undefined);
      throw new Error(`e2e cluster setup failed: ${(error as Error).message}\n${hint}`, { cause: error });
    }
    return cluster;
  }

  private async setUp(options: E2eClusterOptions): Promise<void> {
    const { topology, names } = this;
    await topology.createSwitch();
    const hubLink = await topology.addHost('hub', HUB_INDEX);
    if (options.broker === 'mosquitto') {
      const link = await topology.addHost('broker', BROKER_INDEX);
      await mkdir(join(this.dir, 'broker'));
      this.broker = new BrokerHost({ ns: link.ns, ip: link.ip, dir: join(this.dir, 'broker') });
      await this.broker.start();
    }
    this.hub = new HubHost({
      ns: hubLink.ns,
      ip: hubLink.ip,
      dataDir: join(this.dir, 'hub'),
      apiSocket: join(this.dir, 'hub-api.sock'),
      ...(this.broker ? { broker: this.broker.url } : {}),
      extraArgs: options.hubArgs ?? [],
    });
    await this.hub.start();
    for (let i = 1; i <= options.agents; i++) {
      const name = `agent-${i}`;
      const link = await topology.addHost(name, AGENT_INDEX_BASE + i);
      const agent = new AgentHost({
        name,
        ns: link.ns,
        ip: link.ip,
        uplink: link.uplink,
        dataDir: join(this.dir, name),
        hubUrl: this.hub.brokerUrl,
        podBridge: names.podBridge(i),
        podSubnet: names.podSubnet(i),
        heartbeatSeconds: options.heartbeatSeconds ?? 1,
        keepaliveSeconds: options.keepaliveSeconds ?? 5,
        extraArgs: options.agentArgs ?? [],
      });
      this.agents.push(agent);
      agent.start();
    }
  }

  get prefix(): string {
    return this.names.prefix;
  }

  agent(name: string): AgentHost {
    const agent = this.agents.find((a) => a.name === name);
    if (!agent) throw new Error(`no agent ${name} (agents: ${this.agents.map((a) => a.name).join(', ')})`);
    return agent;
  }

  /** A host's namespace and address: `hub`, `broker` or an agent's name. */
  host(name: string): HostLink {
    return this.topology.host(name);
  }

  /** Partitions a host from the LAN: its packets vanish, connections stall (no RST). */
  cut(name: string): Promise<void> {
    return this.topology.setLink(name, false);
  }

  heal(name: string): Promise<void> {
    return this.topology.setLink(name, true);
  }

  /** Signals a host's daemon (SIGKILL, SIGSTOP, SIGCONT, …); after SIGKILL, waits for it to be gone. */
  async kill(name: string, signal: NodeJS.Signals): Promise<void> {
    const daemon = name === 'hub' ? this.hub.daemon : name === 'broker' ? this.broker?.daemon : this.agent(name).daemon;
    if (!daemon?.alive) throw new Error(`${name}: no running daemon to signal`);
    daemon.signal(signal);
    if (signal === 'SIGKILL') await daemon.exited;
  }

  stopHub(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.hub.stop(signal);
  }

  /** Starts the hub again (same data dir, address and ports) and waits for its API. */
  startHub(): Promise<Daemon> {
    return this.hub.start();
  }

  async restartHub(): Promise<Daemon> {
    await this.hub.stop();
    return this.hub.start();
  }

  /** Restarts Mosquitto on the same address (empty: no persistence). Only with `broker: 'mosquitto'`. */
  restartBroker(): Promise<Daemon> {
    if (!this.broker) throw new Error('this cluster uses the embedded broker; create it with broker: "mosquitto"');
    return this.broker.restart();
  }

  /** Power-cycles an agent's host (see AgentHost.reboot); returns the new agent daemon. */
  reboot(name: string): Promise<Daemon> {
    return this.agent(name).reboot();
  }

  nodes(): Promise<NodeObject[]> {
    return this.hub.nodes();
  }

  pods(): Promise<ApiPod[]> {
    return this.hub.pods();
  }

  /** Waits until the hub shows node `name` in `phase`; returns the node. */
  waitNodePhase(name: string, phase: NodePhase, timeoutMs = 30_000): Promise<NodeObject> {
    const wait = waitFor(`node ${name} ${phase}`, async () => {
      const node = await this.hub.node(name);
      return node?.status.phase === phase ? node : undefined;
    }, timeoutMs, 100);
    return this.withLogs(wait);
  }

  /** Waits for node `name` to be Ready; fails at once if it is an agent of this cluster whose daemon exited. */
  async waitNodeReady(name: string, timeoutMs = 30_000): Promise<NodeObject> {
    const daemon = this.agents.find((a) => a.name === name)?.daemon;
    if (!daemon) return this.waitNodePhase(name, 'Ready', timeoutMs);
    let ready: NodeObject | undefined;
    await this.withLogs(waitReady(daemon, `node ${name} Ready`, async () => {
      const node = await this.hub.node(name);
      if (node?.status.phase === 'Ready') ready = node;
      return ready !== undefined;
    }, timeoutMs));
    return ready as NodeObject;
  }

  /** Waits until `probe(pods)` returns a value. */
  waitPods<T>(what: string, probe: (pods: ApiPod[]) => T | undefined, timeoutMs = 60_000): Promise<T> {
    return this.waitUntil(what, async () => probe(await this.pods()), timeoutMs);
  }

  /** `waitFor` (200 ms polls) whose failure carries every daemon's output tail. */
  waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    return this.withLogs(waitFor(what, probe, timeoutMs, 200));
  }

  /** `wait`, or its error with every daemon's output tail as of the failure appended. */
  private async withLogs<T>(wait: Promise<T>): Promise<T> {
    try {
      return await wait;
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.logs()}`, { cause: error });
    }
  }

  /** `corral apply -f -` with `yaml` on stdin, run inside the hub's host; returns its output, throws on failure. */
  async apply(yaml: string): Promise<string> {
    const result = await this.hub.cli(['apply', '-f', '-'], { stdin: yaml });
    if (result.code !== 0) throw new Error(`corral apply exited ${result.code}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** The tail of every daemon's output, for failure messages. */
  logs(): string {
    const daemons = [this.broker?.daemon, this.hub?.daemon, ...this.agents.map((a) => a.daemon)];
    return daemons
      .filter((d): d is Daemon => d !== undefined)
      .map((d) => `--- ${d.name}${d.alive ? '' : ' (exited)'}\n${d.log().slice(-1500)}`)
      .join('\n');
  }

  /** What of this run is still on the machine (see residue.ts); `podUids` are the pods it ran. */
  residue(podUids: readonly string[] = []): Promise<Residue> {
    return findResidue({ prefix: this.prefix, runDir: this.dir, podUids });
  }

  /**
   * Stops every daemon (agents by SIGKILL: their containers are removed next), removes each agent's
   * containers, cgroups, pod netns and mounts, deletes the run's namespaces (and the interfaces inside),
   * and the temp dir. Safe after a half-done setup and a second time; throws at the end, listing what
   * failed, after trying everything.
   */
  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    const failures: string[] = [];
    const attempt = async (what: string, step: () => Promise<unknown>) => {
      await step().catch((error: Error) => failures.push(`${what}: ${error.message}`));
    };
    await Promise.all(this.agents.map((agent) => attempt(`stop ${agent.name}`, () => agent.stop('SIGKILL'))));
    await attempt('stop hub', () => this.hub?.stopAll(3000) ?? Promise.resolve());
    await attempt('stop broker', () => this.broker?.stop('SIGTERM', 3000) ?? Promise.resolve());
    for (const agent of this.agents) failures.push(...(await agent.wipe()));
    failures.push(...(await this.topology.destroy()));
    await attempt('remove temp dir', this.removeDir);
    if (failures.length > 0) throw new Error(`e2e cluster ${this.prefix} cleanup: ${failures.join('; ')}`);
  }
}
