import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { removeAgentLeftovers } from '../../test/support/agent-leftovers.js';
import { type AgentOptions, type Daemon, runCli, startAgent, startHub, tempDir } from '../../test/support/daemons.js';
import { getNode } from '../../test/support/hub-api.js';
import { ensureTestImage, pushTestImage, startRegistry } from '../../test/support/registry.js';
import { DaemonLog } from '../support/daemon-log.js';
import { CleanupStack, pollUntil } from '../support/interrupts.js';
import { TRAPPED_SLEEP } from '../support/pod-api.js';

const exec = promisify(execFile);
/** Heartbeat silence after which the hub marks a node NotReady (`--node-grace-seconds`). */
export const GRACE_S = 3;
/** The Deployment's `onNodeLost.lostAfterSeconds`. */
export const LOST_AFTER_S = 5;
/** The agents' heartbeat: well inside the grace period (the default 5 s would flap at a 3 s grace). */
export const HEARTBEAT_S = 1;
const DEPLOYMENT = 'mover';
const NODES = ['loss-a', 'loss-b'] as const;

/**
 * `kill`: SIGKILL — the kernel closes the agent's TCP connection, the broker publishes its
 * last will at once. `freeze`: SIGSTOP — the connection stays open and silent (as with a
 * device that lost power or network: no FIN), so only the heartbeat grace notices.
 */
export type LossMode = 'kill' | 'freeze';

export interface LossSample {
  mode: LossMode;
  victim: string;
  survivor: string;
  /** Ms after the signal, from the hub's log (undefined when not found). */
  notReadyMs: number | undefined;
  notReadyReason: string | undefined;
  deletedMs: number | undefined;
  /** Until this process's API poll (every 50 ms) saw a replacement Running on the survivor. */
  replacementMs: number;
}

export interface LossResult {
  samples: LossSample[];
  failure?: { mode: LossMode; round: number; message: string; log: string[] };
}

interface ApiPod {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase: string };
}

function deploymentManifest(image: string): string {
  return JSON.stringify({
    apiVersion: 'corral/v1',
    kind: 'Deployment',
    metadata: { name: DEPLOYMENT },
    spec: {
      replicas: 1,
      onNodeLost: { policy: 'reschedule', lostAfterSeconds: LOST_AFTER_S },
      template: {
        metadata: { labels: { app: DEPLOYMENT } },
        hostNetwork: true,
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image, command: TRAPPED_SLEEP, resources: { requests: { cpu: '50m', memory: '16Mi' } } }],
      },
    },
  });
}

async function moverPods(api: string): Promise<ApiPod[]> {
  const res = await fetch(`${api}/api/v1/pods`);
  if (!res.ok) throw new Error(`GET /api/v1/pods: ${res.status}`);
  return ((await res.json()) as { items: ApiPod[] }).items.filter((p) => p.metadata.labels?.app === DEPLOYMENT);
}

interface LossCluster {
  api: string;
  hubLog: DaemonLog;
  hubDaemon: Daemon;
  agents: Map<string, { options: AgentOptions; daemon: Daemon }>;
}

async function waitReady(cluster: LossCluster, node: string, signal: AbortSignal): Promise<void> {
  await pollUntil(`node ${node} Ready`, async () => ((await getNode(cluster.api, node))?.status.phase === 'Ready' ? true : undefined), { intervalMs: 100, timeoutMs: 60_000, signal });
}

/** The one Running mover pod, once there is exactly one pod and it runs. */
async function runningMover(cluster: LossCluster, signal: AbortSignal): Promise<ApiPod & { spec: { nodeName: string } }> {
  return pollUntil(
    `the ${DEPLOYMENT} pod Running`,
    async () => {
      const pods = await moverPods(cluster.api);
      const pod = pods[0];
      return pods.length === 1 && pod?.status.phase === 'Running' && pod.spec.nodeName ? (pod as ApiPod & { spec: { nodeName: string } }) : undefined;
    },
    { intervalMs: 100, timeoutMs: 120_000, signal },
  );
}

/** Takes the node running the mover pod away (`mode`) and times until a replacement runs on the other node. */
async function loseNodeOnce(cluster: LossCluster, options: { mode: LossMode; signal: AbortSignal }): Promise<LossSample> {
  const before = await runningMover(cluster, options.signal);
  const victim = before.spec.nodeName;
  const survivor = NODES.find((n) => n !== victim)!;
  await waitReady(cluster, survivor, options.signal);
  const agent = cluster.agents.get(victim)!;
  const t0 = Date.now();
  agent.daemon.signal(options.mode === 'kill' ? 'SIGKILL' : 'SIGSTOP');
  const replacement = await pollUntil(
    'a replacement Running on the other node',
    async () => (await moverPods(cluster.api)).find((p) => p.metadata.uid !== before.metadata.uid && p.spec.nodeName === survivor && p.status.phase === 'Running'),
    { intervalMs: 50, timeoutMs: 120_000, signal: options.signal },
  );
  const replacementMs = Date.now() - t0;
  const notReady = cluster.hubLog.find('node phase changed', { since: t0, match: (e) => e.node === victim && e.phase === 'NotReady' });
  const deleted = cluster.hubLog.find('pod deleted by its controller', { since: t0, match: (e) => e.pod === before.metadata.name });
  // The victim's container still runs (its agent is dead or frozen). Kill the agent for good and start it again:
  // the hub's desired state no longer has the moved pod, so the returning agent stops it.
  agent.daemon.signal('SIGKILL');
  await agent.daemon.exited;
  agent.daemon = startAgent(agent.options);
  await waitReady(cluster, victim, options.signal);
  const root = join(agent.options.dataDir, 'run', 'runc', 'state');
  await pollUntil(
    `the moved pod's container gone from ${victim}`,
    async () => ((await exec('runc', ['--root', root, 'list', '-q'])).stdout.includes(before.metadata.uid) ? undefined : true),
    { intervalMs: 100, timeoutMs: 60_000, signal: options.signal },
  );
  if (replacement.metadata.name === before.metadata.name) throw new Error('the replacement kept the old pod name');
  return {
    mode: options.mode,
    victim,
    survivor,
    notReadyMs: notReady ? notReady.time - t0 : undefined,
    notReadyReason: typeof notReady?.reason === 'string' ? notReady.reason : undefined,
    deletedMs: deleted ? deleted.time - t0 : undefined,
    replacementMs,
  };
}

/**
 * A local registry, a hub with `--node-grace-seconds GRACE_S` and two agents (heartbeat
 * HEARTBEAT_S, own data, runtime-state and pods dirs), a one-replica Deployment with
 * `onNodeLost: {policy: reschedule, lostAfterSeconds: LOST_AFTER_S}`; then `rounds` node
 * losses per mode, each taking away whichever node runs the pod (so the victims alternate).
 */
export async function measureNodeLoss(options: { rounds: number; signal: AbortSignal }): Promise<LossResult> {
  const cleanup = new CleanupStack();
  const result: LossResult = { samples: [] };
  try {
    const dir = await tempDir('bench-recovery-loss');
    cleanup.defer('remove the node-loss directory', () => dir.remove());
    const registry = await startRegistry(join(dir.path, 'registry'));
    cleanup.defer('stop the registry', () => registry.stop());
    const image = await pushTestImage(await ensureTestImage(), '1', registry.host, 'corral/busybox');
    const hub = await startHub({ dataDir: join(dir.path, 'hub'), graceSeconds: GRACE_S });
    cleanup.defer('stop the hub', () => hub.daemon.stop());
    const cluster: LossCluster = { api: hub.api, hubLog: new DaemonLog(hub.daemon), hubDaemon: hub.daemon, agents: new Map() };
    for (const name of NODES) {
      const tag = randomBytes(3).toString('hex');
      const agentOptions: AgentOptions = {
        dataDir: join(dir.path, name),
        hub: hub.brokerUrl,
        nodeName: name,
        heartbeatSeconds: HEARTBEAT_S,
        extraArgs: ['--pod-bridge', `crlloss${tag}`, '--pod-subnet', `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]}.0/24`, '--log-level', 'info'],
      };
      const entry = { options: agentOptions, daemon: startAgent(agentOptions) };
      cluster.agents.set(name, entry);
      cleanup.defer(`remove the leftovers of ${name}`, () => removeAgentLeftovers(agentOptions.dataDir));
      cleanup.defer(`stop agent ${name}`, () => entry.daemon.stop('SIGKILL'));
    }
    for (const name of NODES) await waitReady(cluster, name, options.signal);
    const manifest = join(dir.path, 'mover.json');
    await writeFile(manifest, deploymentManifest(image));
    const applied = await runCli(hub.api, 'apply', '-f', manifest);
    if (applied.code !== 0) throw new Error(`corral apply: ${applied.stderr.trim() || applied.stdout.trim()}`);
    await runningMover(cluster, options.signal);
    for (const mode of ['kill', 'freeze'] as const) {
      for (let round = 0; round < options.rounds; round += 1) {
        // Both agents have heartbeated since the last change, and the hub's view has settled.
        await sleep(2000, undefined, { signal: options.signal });
        process.stderr.write(`  node loss (${mode}), round ${round + 1}/${options.rounds}: `);
        try {
          const sample = await loseNodeOnce(cluster, { mode, signal: options.signal });
          result.samples.push(sample);
          process.stderr.write(`${sample.victim} lost, replacement Running on ${sample.survivor} after ${(sample.replacementMs / 1000).toFixed(2)} s\n`);
        } catch (error) {
          if (options.signal.aborted) throw error;
          process.stderr.write('FAILED\n');
          result.failure = { mode, round: round + 1, message: (error as Error).message, log: hub.daemon.log().split('\n').filter(Boolean).slice(-20) };
          return result;
        }
      }
    }
    return result;
  } finally {
    await cleanup.run();
  }
}
