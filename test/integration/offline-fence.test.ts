import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { removeAgentLeftovers } from '../support/agent-leftovers.js';
import { type Daemon, type HubHandle, freePort, runCli, startAgent, startHub, tempDir, waitFor } from '../support/daemons.js';
import { getNode } from '../support/hub-api.js';
import { ensureTestImage, pushTestImage, startRegistry } from '../support/registry.js';

const run = promisify(execFile);

interface ApiPod {
  metadata: { name: string; uid: string; labels: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase: string };
}

/** A container as `runc list --format json` shows it; `pid` and `created` tell one run from the next (the id is the same). */
interface RuncContainer {
  id: string;
  pid: number;
  status: string;
  created: string;
}

/**
 * offline.stopAfterSeconds with a real hub (embedded broker) and a real agent:
 * the hub stops, so the agent loses its link; the fenced singleton stops, the
 * other pod keeps its container; the hub comes back on the same ports and data
 * dir, and the singleton runs again on the same node (one node: nothing moved it).
 */
let dir: Awaited<ReturnType<typeof tempDir>>;
let registry: Awaited<ReturnType<typeof startRegistry>>;
let hub: HubHandle | undefined;
let agent: Daemon | undefined;
let image: string;
let ports: { httpPort: number; mqttPort: number };
const NODE = 'fence-a';

const agentDir = () => `${dir.path}/${NODE}`;
const pods = async (): Promise<ApiPod[]> => ((await (await fetch(`${hub!.api}/api/v1/pods`)).json()) as { items: ApiPod[] }).items;
const containers = async (): Promise<RuncContainer[]> => {
  const { stdout } = await run('runc', ['--root', `${agentDir()}/run/runc/state`, 'list', '--format', 'json']).catch(() => ({ stdout: 'null' }));
  return (JSON.parse(stdout || 'null') as RuncContainer[] | null) ?? [];
};
const runningContainerOf = async (uid: string) => (await containers()).find((c) => c.id.startsWith(uid) && c.status === 'running');

const deployment = (name: string, offline: string) => `apiVersion: corral/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  onNodeLost: {policy: reschedule, lostAfterSeconds: 30}
  template:
    metadata: {labels: {app: ${name}}}
    hostNetwork: true
    terminationGracePeriodSeconds: 1
${offline}    containers:
      - name: main
        image: ${image}
        command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 1; done']
        resources: {requests: {cpu: 50m, memory: 16Mi}}
`;

before(async () => {
  dir = await tempDir('offline-fence');
  registry = await startRegistry(`${dir.path}/registry`);
  image = await pushTestImage(await ensureTestImage(), '1', registry.host, 'corral/busybox');
  ports = { httpPort: await freePort(), mqttPort: await freePort() };
  hub = await startHub({ dataDir: `${dir.path}/hub`, ...ports });
  // The agent's config allows a keepalive of 5 s at least.
  agent = startAgent({ dataDir: agentDir(), hub: hub.brokerUrl, nodeName: NODE, keepaliveSeconds: 5, heartbeatSeconds: 1 });
  await waitFor(`${NODE} Ready`, async () => ((await getNode(hub!.api, NODE))?.status.phase === 'Ready' ? true : undefined), 30_000);
});

after(async () => {
  if (hub?.daemon.alive) {
    await runCli(hub.api, 'delete', 'deployment', 'leader');
    await runCli(hub.api, 'delete', 'deployment', 'worker');
  }
  await agent?.stop('SIGKILL');
  await removeAgentLeftovers(agentDir());
  await hub?.daemon.stop();
  await registry?.stop();
  await dir?.remove();
});

test('a pod with offline.stopAfterSeconds stops while the hub is gone and runs again when it returns; the other pod keeps its container', async (t) => {
  const file = `${dir.path}/deployments.yaml`;
  await writeFile(file, `${deployment('leader', '    offline: {stopAfterSeconds: 3}\n')}---\n${deployment('worker', '')}`);
  const applied = await runCli(hub!.api, 'apply', '-f', file);
  assert.equal(applied.code, 0, applied.stderr);

  const placed = await waitFor('leader and worker Running', async () => {
    const all = await pods();
    const leader = all.find((p) => p.metadata.labels.app === 'leader');
    const worker = all.find((p) => p.metadata.labels.app === 'worker');
    return leader?.status.phase === 'Running' && worker?.status.phase === 'Running' ? { leader, worker } : undefined;
  }, 60_000);
  const workerBefore = await waitFor('worker container running', () => runningContainerOf(placed.worker.metadata.uid));
  const leaderBefore = await waitFor('leader container running', () => runningContainerOf(placed.leader.metadata.uid));

  // The hub stops, and its embedded broker with it: the agent loses its link.
  const stoppedAt = Date.now();
  await hub!.daemon.stop('SIGTERM');
  const hubGoneMs = Date.now() - stoppedAt;
  await waitFor('the leader container stopped on the agent', async () => ((await runningContainerOf(placed.leader.metadata.uid)) ? undefined : true), 60_000, 100);
  const fencedMs = Date.now() - stoppedAt;
  const workerDuring = await runningContainerOf(placed.worker.metadata.uid);
  assert.ok(workerDuring, 'the worker (no offline) keeps running while the hub is gone');
  assert.deepEqual([workerDuring.pid, workerDuring.created], [workerBefore.pid, workerBefore.created], 'the same worker container');
  // Still fenced a while later: nothing runs it again while the hub is away.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await runningContainerOf(placed.leader.metadata.uid), undefined, 'the leader stays stopped while the hub is away');

  const restartedAt = Date.now();
  hub = await startHub({ dataDir: `${dir.path}/hub`, ...ports });
  const leaderAfter = await waitFor('the leader container running again', () => runningContainerOf(placed.leader.metadata.uid), 90_000, 100);
  const rerunMs = Date.now() - restartedAt;
  assert.notEqual(`${leaderAfter.pid} ${leaderAfter.created}`, `${leaderBefore.pid} ${leaderBefore.created}`, 'a new leader container');
  const after = await waitFor('both pods Running on the hub again', async () => {
    const all = await pods();
    const leader = all.find((p) => p.metadata.labels.app === 'leader');
    const worker = all.find((p) => p.metadata.labels.app === 'worker');
    return leader?.status.phase === 'Running' && worker?.status.phase === 'Running' ? { leader, worker, count: all.length } : undefined;
  }, 60_000);
  assert.equal(after.leader.metadata.uid, placed.leader.metadata.uid, 'the hub did not move the leader (one node)');
  assert.equal(after.leader.spec.nodeName, NODE);
  assert.equal(after.count, 2);
  const workerAfter = await runningContainerOf(placed.worker.metadata.uid);
  assert.deepEqual([workerAfter?.pid, workerAfter?.created], [workerBefore.pid, workerBefore.created], 'the worker container never changed');

  t.diagnostic(`hub SIGTERM took ${hubGoneMs} ms; leader container stopped ${fencedMs} ms after the hub was told to stop (stopAfterSeconds 3, keepalive 5 s)`);
  t.diagnostic(`leader container running again ${rerunMs} ms after the hub restart began (agent reconnect back-off included)`);
  for (const line of agent!.output.join('').split('\n').filter((l) => /"msg":"[^"]*fence/.test(l))) t.diagnostic(`agent: ${line.slice(0, 300)}`);
});
