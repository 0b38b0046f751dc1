import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeAgentLeftovers } from '../../test/support/agent-leftovers.js';
import { type AgentOptions, type Daemon, type HubHandle, startAgent, startHub, tempDir } from '../../test/support/daemons.js';
import { ensureTestImage, pushTestImage, startRegistry } from '../../test/support/registry.js';
import { DaemonLog } from './daemon-log.js';
import { CleanupStack, pollUntil } from './interrupts.js';
import { deletePod, listPodNames } from './pod-api.js';

const run = promisify(execFile);

export interface BenchClusterOptions {
  nodeName: string;
  /** The agent's log level (default info, the agent's own default). */
  agentLogLevel?: string;
  /** Heartbeat period (default: the agent's, 5 s). */
  heartbeatSeconds?: number;
  signal?: AbortSignal;
}

/** A local registry holding the busybox test image, a hub and one agent, all real processes, as the e2e tests run them. */
export interface BenchCluster {
  api: string;
  /** The test image in the local registry, `127.0.0.1:PORT/corral/busybox:1`. */
  image: string;
  nodeName: string;
  hub: HubHandle;
  agent: Daemon;
  /** What `agent` was started with: `startAgent(agentOptions)` starts it again with the same arguments (a reboot). */
  agentOptions: AgentOptions;
  agentDataDir: string;
  /** The agent's runc state and shims, `<agentDataDir>/run/runc` (the agent picks runc when both are installed). */
  runtimeStateDir: string;
  /** The hub's JSON log lines as they arrive. */
  hubLog: DaemonLog;
  /** The pod network's bridge and subnet, private to this run. */
  bridge: string;
  subnet: string;
  /** Deletes every pod, waits for the agent to tear them down, stops everything and removes what is left. */
  stop(): Promise<void>;
}

/** Gives up on `promise` (leaving it running) after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the registry, pushes the test image, starts hub and agent and waits until the node is Ready. */
export async function startBenchCluster(options: BenchClusterOptions): Promise<BenchCluster> {
  const cleanup = new CleanupStack();
  const tag = randomBytes(3).toString('hex');
  const bridge = `crlbench${tag}`;
  const subnet = `10.${150 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]}.0/24`;
  try {
    const dir = await tempDir('bench');
    cleanup.defer('remove the temporary directory', () => dir.remove());
    const registry = await startRegistry(join(dir.path, 'registry'));
    cleanup.defer('stop the registry', () => registry.stop());
    const image = await pushTestImage(await ensureTestImage(), '1', registry.host, 'corral/busybox');
    const hub = await startHub({ dataDir: join(dir.path, 'hub') });
    const hubLog = new DaemonLog(hub.daemon);
    cleanup.defer('stop the hub', () => hub.daemon.stop());
    const agentDataDir = join(dir.path, 'agent');
    const extraArgs = ['--pod-bridge', bridge, '--pod-subnet', subnet, '--log-level', options.agentLogLevel ?? 'info'];
    const agentOptions: AgentOptions = { dataDir: agentDataDir, hub: hub.brokerUrl, nodeName: options.nodeName, extraArgs, ...(options.heartbeatSeconds ? { heartbeatSeconds: options.heartbeatSeconds } : {}) };
    const agent = startAgent(agentOptions);
    cleanup.defer('delete the pod bridge', () => run('ip', ['link', 'del', bridge]).catch(() => undefined));
    cleanup.defer('remove the agent leftovers', () => removeAgentLeftovers(agentDataDir, subnet));
    cleanup.defer('stop the agent', () => agent.stop());
    cleanup.defer('delete the pods', () => deleteAllPods(hub.api, agentDataDir, agent));
    await pollUntil(
      `node ${options.nodeName} Ready`,
      async () => {
        if (!agent.alive) throw new Error(`agent exited: ${agent.log()}`);
        const res = await fetch(`${hub.api}/api/v1/nodes/${options.nodeName}`);
        const node = res.ok ? ((await res.json()) as { status?: { phase?: string } }) : undefined;
        return node?.status?.phase === 'Ready' ? true : undefined;
      },
      { intervalMs: 50, timeoutMs: 30_000, ...(options.signal ? { signal: options.signal } : {}) },
    );
    return {
      api: hub.api,
      image,
      nodeName: options.nodeName,
      hub,
      agent,
      agentOptions,
      agentDataDir,
      runtimeStateDir: join(agentDataDir, 'run', 'runc'),
      hubLog,
      bridge,
      subnet,
      stop: () => cleanup.run(),
    };
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

/** Best effort with deadlines: the hub or agent may already be gone (a Ctrl-C reaches them too). */
async function deleteAllPods(api: string, agentDataDir: string, agent: Daemon): Promise<void> {
  const names = (await within(listPodNames(api).catch(() => [] as string[]), 3000)) ?? [];
  for (const name of names) await within(deletePod(api, name).catch(() => false), 3000);
  if (!agent.alive) return;
  await pollUntil('the agent to tear every pod down', async () => ((await readdir(join(agentDataDir, 'pods')).catch(() => [])).length === 0 ? true : undefined), {
    intervalMs: 100,
    timeoutMs: 30_000,
  }).catch((error: unknown) => process.stderr.write(`clean-up: ${(error as Error).message}\n`));
}
