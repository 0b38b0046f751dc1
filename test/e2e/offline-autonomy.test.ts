import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AgentHost, type ApiPod, E2eCluster, type RuntimeContainer, testImageArchive } from './harness/index.js';

const notRoot = process.getuid?.() !== 0;
const skip = notRoot ? 'needs root: network namespaces, veths, runc' : false;
const LOOP = `[sh, -c, 'trap "exit 0" TERM; while :; do sleep 1; done']`;

const pinnedPod = (name: string, node: string, image: string) => `---
apiVersion: corral/v1
kind: Pod
metadata: {name: ${name}, labels: {app: pinned}}
spec:
  nodeName: ${node}
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
    - {name: main, image: ${image}, command: ${LOOP}}
`;

const deployment = (o: { name: string; replicas: number; image: string; onNodeLost: string; offline?: string; spread?: boolean }) => `---
apiVersion: corral/v1
kind: Deployment
metadata: {name: ${o.name}}
spec:
  replicas: ${o.replicas}
  onNodeLost: ${o.onNodeLost}
  template:
    metadata: {labels: {app: ${o.name}}}
    hostNetwork: true
    terminationGracePeriodSeconds: 1
${o.offline ? `    offline: ${o.offline}\n` : ''}${o.spread ? `    affinity:
      podAntiAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: ${o.name}}}
            topologyKey: corral.io/hostname
` : ''}    containers:
      - name: main
        image: ${o.image}
        command: ${LOOP}
        resources: {requests: {cpu: 50m, memory: 16Mi}}
`;

const running = (pods: ApiPod[], app: string) => pods.filter((p) => p.metadata.labels['app'] === app && p.status.phase === 'Running');
/** Running containers of an agent by id, with their pids: a restart shows as a new pid. */
const pids = async (agent: AgentHost): Promise<Map<string, number>> =>
  new Map((await agent.containers()).filter((c: RuntimeContainer) => c.status === 'running').map((c) => [c.id, c.pid]));
const ofPod = (uid: string) => (c: RuntimeContainer) => c.id.startsWith(uid);

/**
 * Offline autonomy on simulated hosts (network namespaces on a bridged LAN): a node rebooted while the
 * hub is down runs its pods from LevelDB alone; a hub restart restarts nothing; a partitioned node's
 * fenced singleton stops itself while the hub moves it, and on heal nothing runs twice and the node's
 * own pods were never restarted.
 */
describe('offline autonomy (embedded broker, three hosts)', { concurrency: false, skip }, () => {
  let cluster: E2eCluster;
  let image: string;

  before(async () => {
    cluster = await E2eCluster.create({ agents: 3, broker: 'embedded', hubArgs: ['--node-grace-seconds', '3'], keepaliveSeconds: 5 });
    image = await testImageArchive(cluster.dir);
    for (const agent of cluster.agents) await cluster.waitNodeReady(agent.name);
    await cluster.apply(deployment({ name: 'steady', replicas: 3, image, onNodeLost: '{policy: keep}', spread: true }));
    await cluster.waitPods('3 steady pods Running', (pods) => (running(pods, 'steady').length === 3 ? true : undefined), 90_000);
  });

  after(async () => {
    await cluster?.cleanup();
  });

  it('offline reboot: with the hub stopped, a node running 5 pods runs all 5 again from LevelDB alone', async (t) => {
    const agent = cluster.agent('agent-1');
    await cluster.apply([1, 2, 3, 4, 5].map((i) => pinnedPod(`local-${i}`, 'agent-1', image)).join(''));
    const pinned = await cluster.waitPods('5 pinned pods Running', (pods) => {
      const mine = running(pods, 'pinned');
      return mine.length === 5 ? mine : undefined;
    }, 90_000);
    const others = new Map(await Promise.all(['agent-2', 'agent-3'].map(async (n) => [n, await pids(cluster.agent(n))] as const)));
    const before = await pids(agent);

    await cluster.stopHub();
    const started = Date.now();
    await cluster.reboot('agent-1');
    const back = await cluster.waitUntil('all 5 pinned containers running after the offline reboot', async () => {
      const now = await agent.containers();
      const up = pinned.map((p) => now.find((c) => ofPod(p.metadata.uid)(c) && c.status === 'running'));
      return up.every(Boolean) ? (up as RuntimeContainer[]) : undefined;
    }, 60_000);
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`offline reboot: agent start → 5 pods running in ${seconds.toFixed(2)} s (hub down)`);
    for (const c of back) assert.notEqual(c.pid, before.get(c.id), `${c.id} is a new container: the reboot took the old one`);
    assert.equal(cluster.hub.daemon?.alive, false, 'the hub was down the whole time');

    const hubBack = Date.now();
    await cluster.startHub();
    for (const a of cluster.agents) await cluster.waitNodeReady(a.name);
    await cluster.waitPods('pinned and steady pods Running on the hub', (pods) => (running(pods, 'pinned').length === 5 && running(pods, 'steady').length === 3 ? true : undefined));
    t.diagnostic(`hub back → all nodes Ready and pods Running in ${((Date.now() - hubBack) / 1000).toFixed(2)} s`);
    for (const [name, was] of others) assert.deepEqual(await pids(cluster.agent(name)), was, `${name}: the hub's stop and start restarted nothing`);
  });

  it('a hub restart restarts no pod anywhere', async (t) => {
    const was = new Map(await Promise.all(cluster.agents.map(async (a) => [a.name, await pids(a)] as const)));
    const started = Date.now();
    await cluster.restartHub();
    t.diagnostic(`hub restarted (API up) in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    for (const a of cluster.agents) {
      await cluster.waitNodeReady(a.name);
      t.diagnostic(`${a.name} Ready after ${((Date.now() - started) / 1000).toFixed(2)} s`);
    }
    await cluster.waitPods('pods Running after the hub restart', (pods) => (running(pods, 'steady').length === 3 ? true : undefined));
    t.diagnostic(`hub restart → converged in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    for (const a of cluster.agents) assert.deepEqual(await pids(a), was.get(a.name), `${a.name}: same containers, same processes`);
  });

  it('partition: the hub moves the singleton, the cut-off copy fenced itself, on heal nothing runs twice', async (t) => {
    // Detection on the agent: keepalive 5 s → the link is declared dead ≤ 7.5 s after the last packet.
    await cluster.apply(deployment({ name: 'single', replicas: 1, image, onNodeLost: '{policy: reschedule, lostAfterSeconds: 12}', offline: '{stopAfterSeconds: 4}' }));
    const [pod] = await cluster.waitPods('the singleton Running', (pods) => {
      const mine = running(pods, 'single');
      return mine.length === 1 ? mine : undefined;
    }, 60_000);
    const node = pod?.spec.nodeName as string;
    const agent = cluster.agent(node);
    const steadyHere = (await cluster.pods()).find((p) => p.metadata.labels['app'] === 'steady' && p.spec.nodeName === node);
    assert.ok(steadyHere);
    const before = await pids(agent);

    const cut = Date.now();
    await cluster.cut(node);
    await cluster.waitUntil(`the singleton's container stops on the cut-off ${node}`, async () => ((await agent.containers()).some((c) => ofPod(pod!.metadata.uid)(c) && c.status === 'running') ? undefined : true), 30_000);
    const fenced = (Date.now() - cut) / 1000;
    const moved = await cluster.waitPods('the singleton Running on another node', (pods) => running(pods, 'single').find((p) => p.spec.nodeName !== node), 60_000);
    const replaced = (Date.now() - cut) / 1000;
    t.diagnostic(`cut → fenced on ${node} after ${fenced.toFixed(1)} s; replacement Running on ${moved.spec.nodeName} after ${replaced.toFixed(1)} s (lostAfterSeconds 12)`);
    assert.ok(fenced <= replaced, 'the old copy stopped before the new one ran');

    await cluster.heal(node);
    await cluster.waitNodeReady(node);
    await cluster.waitPods('exactly one singleton', (pods) => (pods.filter((p) => p.metadata.labels['app'] === 'single').length === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 3000));
    const singles = running(await cluster.pods(), 'single');
    assert.equal(singles.length, 1, 'one singleton in the cluster');
    assert.equal(singles[0]?.metadata.uid, moved.metadata.uid);
    assert.equal((await agent.containers()).filter((c) => ofPod(pod!.metadata.uid)(c) && c.status === 'running').length, 0, 'the old copy stays stopped');
    const after = await pids(agent);
    for (const [id, pid] of before) if (id.startsWith(steadyHere!.metadata.uid)) assert.equal(after.get(id), pid, `the node's own pod ${steadyHere!.metadata.name} was never restarted`);
    const steadyAfter = (await cluster.pods()).find((p) => p.metadata.uid === steadyHere!.metadata.uid);
    assert.equal(steadyAfter?.status.containerStatuses?.[0]?.restartCount, 0);
  });
});

describe('broker restart (Mosquitto on its own host)', { concurrency: false, skip }, () => {
  let cluster: E2eCluster;

  before(async () => {
    cluster = await E2eCluster.create({ agents: 2, broker: 'mosquitto', hubArgs: ['--node-grace-seconds', '3'] });
    const image = await testImageArchive(cluster.dir);
    for (const agent of cluster.agents) await cluster.waitNodeReady(agent.name);
    await cluster.apply(deployment({ name: 'steady', replicas: 2, image, onNodeLost: '{policy: keep}', spread: true }));
    await cluster.waitPods('2 steady pods Running', (pods) => (running(pods, 'steady').length === 2 ? true : undefined), 90_000);
  });

  after(async () => {
    await cluster?.cleanup();
  });

  it('a broker restart (retained messages gone) restarts no pod; state converges within seconds', async (t) => {
    const was = new Map(await Promise.all(cluster.agents.map(async (a) => [a.name, await pids(a)] as const)));
    const started = Date.now();
    await cluster.restartBroker();
    for (const a of cluster.agents) await cluster.waitNodeReady(a.name);
    await cluster.waitPods('pods Running after the broker restart', (pods) => (running(pods, 'steady').length === 2 ? true : undefined));
    t.diagnostic(`broker restart → nodes Ready, pods Running in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    // The hub republishes every node's desired state after reconnecting; applying it must change nothing.
    await new Promise((r) => setTimeout(r, 3000));
    for (const a of cluster.agents) assert.deepEqual(await pids(a), was.get(a.name), `${a.name}: same containers, same processes`);
  });

  it('a hub restart with an external broker restarts no pod', async (t) => {
    const was = new Map(await Promise.all(cluster.agents.map(async (a) => [a.name, await pids(a)] as const)));
    const started = Date.now();
    await cluster.restartHub();
    for (const a of cluster.agents) await cluster.waitNodeReady(a.name);
    await cluster.waitPods('pods Running after the hub restart', (pods) => (running(pods, 'steady').length === 2 ? true : undefined));
    t.diagnostic(`hub restart → converged in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    await new Promise((r) => setTimeout(r, 3000));
    for (const a of cluster.agents) assert.deepEqual(await pids(a), was.get(a.name), `${a.name}: same containers, same processes`);
  });
});
