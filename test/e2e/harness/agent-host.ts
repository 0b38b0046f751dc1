import { join } from 'node:path';
import { BIN, type Daemon, spawnDaemon } from '../../support/daemons.js';
import { inNetns, runCommand } from './exec.js';
import { wipeVolatileState } from './volatile-state.js';

export interface AgentHostOptions {
  /** Node name, also the host's name in the cluster. */
  name: string;
  ns: string;
  ip: string;
  /** The host's uplink interface (kept across reboots). */
  uplink: string;
  dataDir: string;
  hubUrl: string;
  podBridge: string;
  podSubnet: string;
  heartbeatSeconds: number;
  keepaliveSeconds: number;
  /** Further agent flags, e.g. `--labels role=edge`. */
  extraArgs?: string[];
}

/** A container as the OCI runtime lists it; ids are `<pod uid>-<container name>`. */
export interface RuntimeContainer {
  runtime: 'runc' | 'crun';
  id: string;
  /** `created`, `running`, `paused` or `stopped`. */
  status: string;
  pid: number;
}

/** An agent daemon on its own simulated host, with the host's state that a reboot wipes. */
export class AgentHost {
  daemon: Daemon | undefined;

  constructor(readonly options: AgentHostOptions) {}

  get name(): string {
    return this.options.name;
  }

  get ns(): string {
    return this.options.ns;
  }

  get ip(): string {
    return this.options.ip;
  }

  get dataDir(): string {
    return this.options.dataDir;
  }

  /** OCI runtime state (`--runtime-state-dir`), a tmpfs on a real device. */
  get runtimeStateDir(): string {
    return join(this.options.dataDir, 'run');
  }

  get args(): string[] {
    const o = this.options;
    return [
      BIN.agent, '--insecure', '--data-dir', o.dataDir, '--hub', o.hubUrl, '--node-name', o.name,
      '--runtime-state-dir', this.runtimeStateDir, '--pods-dir', join(o.dataDir, 'pods.d'),
      '--pod-bridge', o.podBridge, '--pod-subnet', o.podSubnet,
      '--heartbeat-seconds', String(o.heartbeatSeconds), '--keepalive-seconds', String(o.keepaliveSeconds),
      '--log-level', 'debug', ...(o.extraArgs ?? []),
    ];
  }

  /** Containers under the agent's OCI runtime state (runc and crun: `--runtime auto` picks one); empty when none. */
  async containers(): Promise<RuntimeContainer[]> {
    const found: RuntimeContainer[] = [];
    for (const runtime of ['runc', 'crun'] as const) {
      const { code, stdout } = await runCommand(runtime, ['--root', join(this.runtimeStateDir, runtime, 'state'), 'list', '--format', 'json']);
      if (code !== 0 || stdout.trim() === '' || stdout.trim() === 'null') continue;
      for (const c of JSON.parse(stdout) as Array<{ id: string; status: string; pid: number }>) found.push({ runtime, id: c.id, status: c.status, pid: c.pid });
    }
    return found;
  }

  /** Starts the agent inside the host's namespace; does not wait (see E2eCluster.waitNodeReady). */
  start(): Daemon {
    if (this.daemon?.alive) throw new Error(`agent ${this.name} already running`);
    const [program, argv] = inNetns(this.options.ns, process.execPath, this.args);
    this.daemon = spawnDaemon(`agent ${this.name}`, program, argv);
    return this.daemon;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    await this.daemon?.stop(signal, graceMs);
  }

  /**
   * A power cycle: SIGKILL, then everything volatile goes (containers, cgroups, pod netns, the host's
   * iptables rules and virtual interfaces, mounts, runtime state dir) while the data dir's disk stays;
   * then the agent starts again with the same arguments. Returns the new daemon.
   */
  async reboot(): Promise<Daemon> {
    await this.stop('SIGKILL');
    const failures = await this.wipe();
    if (failures.length > 0) throw new Error(`reboot of ${this.name}: ${failures.join('; ')}`);
    return this.start();
  }

  /** Removes the host's volatile state (the agent must be stopped); returns what failed. */
  wipe(): Promise<string[]> {
    return wipeVolatileState({ ns: this.ns, keepLinks: ['lo', this.options.uplink], dataDir: this.dataDir, runtimeStateDir: this.runtimeStateDir });
  }
}
