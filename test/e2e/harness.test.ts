import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiPod, E2eCluster, runCommand, testImageArchive } from './harness/index.js';

const notRoot = process.getuid?.() !== 0;

const deployment = (image: string) => `apiVersion: corral/v1
kind: Deployment
metadata: {name: smoke}
spec:
  replicas: 3
  onNodeLost: {policy: keep}
  template:
    metadata: {labels: {app: smoke}}
    hostNetwork: true
    terminationGracePeriodSeconds: 1
    affinity:
      podAntiAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: smoke}}
            topologyKey: corral.io/hostname
    containers:
      - name: main
        image: ${image}
        command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 1; done']
        resources: {requests: {cpu: 50m, memory: 16Mi}}
`;

/**
 * The e2e harness itself: a hub and three agents on their own simulated hosts (network namespaces on a
 * bridged LAN), a Deployment across them, a link cut and heal, an agent reboot, and a cleanup that leaves
 * nothing behind.
 */
describe('e2e harness: three agent hosts on a namespaced LAN', { concurrency: false, skip: notRoot ? 'needs root: network namespaces, veths, runc' : false }, () => {
  let cluster: E2eCluster;
  let image: string;
  const uids = new Set<string>();
  const smoke = (pods: ApiPod[]) => pods.filter((p) => p.metadata.labels['app'] === 'smoke');
  const since = (start: number) => `${Date.now() - start} ms`;

  before(async () => {
    const start = Date.now();
    cluster = await E2eCluster.create({ agents: 3, broker: 'embedded', hubArgs: ['--node-grace-seconds', '3'] });
    image = await testImageArchive(cluster.dir);
    process.stdout.write(`# cluster ${cluster.prefix} up in ${since(start)}\n`);
  });

  after(async () => {
    await cluster?.cleanup();
  });

  it('three agents in their own namespaces register and become Ready', async (t) => {
    const start = Date.now();
    for (const agent of cluster.agents) await cluster.waitNodeReady(agent.name);
    const nodes = await cluster.nodes();
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), ['agent-1', 'agent-2', 'agent-3']);
    assert.equal(new Set(cluster.agents.map((a) => a.ns)).size, 3, 'one namespace per agent');
    t.diagnostic(`3 nodes Ready in ${since(start)}`);
  });

  it('a Deployment of 3 hostNetwork replicas runs, one pod per agent', async (t) => {
    const start = Date.now();
    await cluster.apply(deployment(image));
    const pods = await cluster.waitPods('3 smoke pods Running', (all) => {
      const mine = smoke(all);
      return mine.length === 3 && mine.every((p) => p.status.phase === 'Running') ? mine : undefined;
    }, 90_000);
    for (const pod of pods) uids.add(pod.metadata.uid);
    assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['agent-1', 'agent-2', 'agent-3']);
    t.diagnostic(`3 pods Running in ${since(start)}`);
  });

  it('a cut link makes its node NotReady; healed, it is Ready again', async (t) => {
    const start = Date.now();
    await cluster.cut('agent-1');
    await cluster.waitNodePhase('agent-1', 'NotReady');
    t.diagnostic(`cut → NotReady in ${since(start)} (grace 3 s)`);
    const healed = Date.now();
    await cluster.heal('agent-1');
    await cluster.waitNodeReady('agent-1');
    t.diagnostic(`heal → Ready in ${since(healed)}`);
    for (const other of ['agent-2', 'agent-3']) assert.equal((await cluster.hub.node(other))?.status.phase, 'Ready', `${other} stays Ready`);
  });

  it('a rebooted agent (containers, runtime state, host rules gone; disk kept) runs its pod again', async (t) => {
    const agent = cluster.agent('agent-2');
    const before = (await cluster.pods()).find((p) => p.metadata.labels['app'] === 'smoke' && p.spec.nodeName === 'agent-2');
    assert.ok(before, 'a smoke pod on agent-2');
    const podContainer = (c: { id: string }) => c.id.startsWith(before.metadata.uid);
    const old = (await agent.containers()).find((c) => podContainer(c) && c.status === 'running');
    assert.ok(old, 'its container runs before the reboot');
    const start = Date.now();
    await cluster.reboot('agent-2');
    await cluster.waitNodeReady('agent-2');
    t.diagnostic(`reboot → Ready in ${since(start)}`);
    const again = await cluster.waitUntil("agent-2 runs its pod's container again", async () => (await agent.containers()).find((c) => podContainer(c) && c.status === 'running'));
    assert.notEqual(again.pid, old.pid, 'a new container: the old one went with the reboot');
    const after = await cluster.waitPods('the pod on agent-2 Running', (all) => {
      const pod = smoke(all).find((p) => p.spec.nodeName === 'agent-2');
      return pod?.status.phase === 'Running' ? pod : undefined;
    });
    for (const pod of smoke(await cluster.pods())) uids.add(pod.metadata.uid);
    assert.equal(after.metadata.uid, before.metadata.uid, 'the same pod, bound to agent-2');
    t.diagnostic(`reboot → pod container running in ${since(start)}`);
  });

  it('cleanup leaves no namespace, container, cgroup or mount of the run', async (t) => {
    const start = Date.now();
    for (const pod of await cluster.pods()) uids.add(pod.metadata.uid);
    await cluster.cleanup();
    t.diagnostic(`cleanup in ${since(start)}`);
    const residue = await cluster.residue([...uids]);
    assert.deepEqual(residue, { namespaces: [], cgroups: [], processes: [], mounts: [] });
    const { stdout } = await runCommand('ip', ['-all', 'netns', 'exec', 'true']);
    assert.doesNotMatch(stdout, new RegExp(cluster.prefix), '`ip -all netns` lists none of the run');
  });
});
