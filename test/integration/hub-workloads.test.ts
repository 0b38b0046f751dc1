import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { type HubHandle, startHub, tempDir, waitFor, runCli } from '../support/daemons.js';
import { FakeNode } from '../support/fake-node.js';
import { getNode } from '../support/hub-api.js';


const deployment = (replicas: number, lostAfterSeconds = 30) => `apiVersion: corral/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  onNodeLost: {policy: reschedule, lostAfterSeconds: ${lostAfterSeconds}}
  template:
    metadata: {labels: {app: web}}
    affinity:
      podAntiAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: corral.io/hostname
    containers:
      - name: web
        image: busybox:1.36
        command: [sleep, "3600"]
        resources: {requests: {cpu: 100m, memory: 32Mi}}
`;

const daemonSet = `apiVersion: corral/v1
kind: DaemonSet
metadata: {name: metrics}
spec:
  template:
    metadata: {labels: {app: metrics}}
    nodeSelector: {site: lab}
    containers:
      - name: exporter
        image: busybox:1.36
        command: [sleep, "3600"]
`;

interface ApiPod {
  metadata: { name: string; uid: string; ownerReferences?: Array<{ name: string }> };
  spec: { nodeName?: string };
}

/**
 * Workloads through a real hub (dist/, embedded broker, LevelDB, the real scheduler) and the
 * real `corral` CLI, with MQTT clients in the test standing in for agents: they announce
 * labels and allocatable resources, send heartbeats, and decode the desired states they get.
 */
describe('workloads: hub, scheduler and CLI with fake nodes', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let hub: HubHandle;
  const nodes = new Map<string, FakeNode>();

  const corral = (...args: string[]) => runCli(hub.api, ...args);
  const file = async (name: string, text: string) => {
    const path = `${dir.path}/${name}`;
    await writeFile(path, text);
    return path;
  };
  const join = async (name: string) => {
    const node = await FakeNode.start(hub.brokerUrl, name, randomUUID(), { labels: { site: 'lab' }, allocatable: { cpu: 2000, memory: 2 ** 30, pids: 1000 }, heartbeatMs: 500 });
    nodes.set(name, node);
    await waitFor(`${name} Ready`, async () => ((await getNode(hub.api, name))?.status.phase === 'Ready' ? true : undefined));
    return node;
  };
  const pods = async (): Promise<ApiPod[]> => ((await (await fetch(`${hub.api}/api/v1/pods`)).json()) as { items: ApiPod[] }).items;
  const podsOf = async (owner: string) => (await pods()).filter((p) => p.metadata.ownerReferences?.[0]?.name === owner);
  /** Pod names of `owner` in the node's newest desired state. */
  const desiredOf = (node: string, owner: string) => (nodes.get(node)?.lastDesired?.pods ?? []).filter((p) => p.name.startsWith(`${owner}-`)).map((p) => p.name);

  before(async () => {
    dir = await tempDir('hub-workloads');
    hub = await startHub({ dataDir: `${dir.path}/hub`, graceSeconds: 3 });
    for (const name of ['n1', 'n2', 'n3']) await join(name);
  });

  after(async () => {
    for (const node of nodes.values()) await node.stop();
    await hub?.daemon.stop();
    await dir?.remove();
  });

  test('apply of a Deployment of 3 with hostname anti-affinity gives each of 3 nodes one pod in its desired state', async () => {
    const path = await file('web.yaml', deployment(3));
    const applied = await corral('apply', '-f', path);
    assert.deepEqual([applied.code, applied.stdout, applied.stderr], [0, 'deployment/web created\n', '']);
    for (const name of ['n1', 'n2', 'n3']) await waitFor(`one web pod in ${name}'s desired state`, () => (desiredOf(name, 'web').length === 1 ? true : undefined));
    const placed = await podsOf('web');
    assert.equal(placed.length, 3);
    assert.deepEqual(placed.map((p) => p.spec.nodeName).sort(), ['n1', 'n2', 'n3']);
    for (const pod of placed) assert.match(pod.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(new Set(placed.map((p) => p.metadata.uid)).size, 3);

    const again = await corral('apply', '-f', path);
    assert.equal(again.stdout, 'deployment/web unchanged\n');
    const table = await corral('get', 'deployments');
    assert.match(table.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/3\s+3\s+0\s+\S+\n$/);
  });

  test('scaled to 4, the 4th pod stays Pending and explain shows every node rejecting it for anti-affinity', async () => {
    const applied = await corral('apply', '-f', await file('web.yaml', deployment(4)));
    assert.equal(applied.stdout, 'deployment/web configured\n');
    const pending = await waitFor('a Pending web pod', async () => (await podsOf('web')).find((p) => p.spec.nodeName === undefined));
    const explanation = (await (await fetch(`${hub.api}/api/v1/pods/${pending.metadata.name}/explain`)).json()) as {
      phase: string;
      decision: { node?: string; verdicts: Array<{ node: string; rejections: Array<{ filter: string }> }> };
    };
    assert.equal(explanation.phase, 'Pending');
    assert.equal(explanation.decision.node, undefined);
    assert.deepEqual(explanation.decision.verdicts.map((v) => v.node).sort(), ['n1', 'n2', 'n3']);
    for (const verdict of explanation.decision.verdicts) {
      assert.ok(verdict.rejections.length > 0 && verdict.rejections.every((r) => r.filter === 'PodAntiAffinity'), `${verdict.node}: ${JSON.stringify(verdict.rejections)}`);
    }
    const explained = await corral('explain', 'pod', pending.metadata.name);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /^pod\/web-\S+: no node fits/);
    for (const name of ['n1', 'n2', 'n3']) assert.match(explained.stdout, new RegExp(`${name}: .*PodAntiAffinity`));
    const described = await corral('describe', 'deployment', 'web');
    assert.match(described.stdout, /^Replicas: +4 desired \| 4 updated \| 4 total \| 0 available \| 4 unavailable \| 1 pending$/m);
  });

  test('a DaemonSet puts a pod on every matching node and on a 4th node when it joins (which also takes the Pending web pod)', async () => {
    const applied = await corral('apply', '-f', await file('metrics.yaml', daemonSet));
    assert.equal(applied.stdout, 'daemonset/metrics created\n');
    for (const name of ['n1', 'n2', 'n3']) await waitFor(`a metrics pod on ${name}`, () => (desiredOf(name, 'metrics').length === 1 ? true : undefined));

    await join('n4');
    await waitFor('a metrics pod on n4', () => (desiredOf('n4', 'metrics').length === 1 ? true : undefined));
    await waitFor('the Pending web pod placed on n4', () => (desiredOf('n4', 'web').length === 1 ? true : undefined));
    assert.equal((await podsOf('web')).filter((p) => p.spec.nodeName === undefined).length, 0);
    const table = await corral('get', 'daemonsets');
    assert.match(table.stdout, /^metrics\s+4\s+4\s+0\s+\S+$/m);
  });

  test('an invalid document fails apply naming file, document and field, and nothing changes', async () => {
    const path = await file('bad.yaml', `${deployment(1)}---\n${deployment(2).replace('image: busybox:1.36', 'image: ""')}`);
    const out = await corral('apply', '-f', path);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    assert.ok(out.stderr.startsWith(`error: ${path} doc 2: spec.template.containers[0].image: `), out.stderr);
    assert.equal(out.stderr.trim().split('\n').length, 1);
    assert.equal((await podsOf('web')).length, 4);
  });

  test('a node silent past lostAfterSeconds loses its web pod to another node; back, its desired state keeps only its own pods', async () => {
    await corral('apply', '-f', await file('web.yaml', deployment(3, 1)));
    await waitFor('3 web pods', async () => ((await podsOf('web')).length === 3 ? true : undefined));
    const victim = (await podsOf('web')).find((p) => p.spec.nodeName !== undefined)!;
    const lost = victim.spec.nodeName as string;
    const daemonPod = desiredOf(lost, 'metrics')[0];
    nodes.get(lost)?.silence();
    await waitFor(`web pod ${victim.metadata.name} moved off ${lost}`, () => (desiredOf(lost, 'web').length === 0 ? true : undefined), 30_000);
    const replacements = await waitFor('3 web pods placed again', async () => {
      const now = await podsOf('web');
      return now.length === 3 && now.every((p) => p.spec.nodeName !== undefined) ? now : undefined;
    });
    assert.equal(replacements.some((p) => p.spec.nodeName === lost), false);
    assert.equal(replacements.some((p) => p.metadata.uid === victim.metadata.uid), false);
    assert.deepEqual(desiredOf(lost, 'metrics'), [daemonPod], 'the DaemonSet pod stays with its node');

    // The node comes back (a new connection announces it again): nothing of web returns to it.
    await nodes.get(lost)?.stop();
    await join(lost);
    await waitFor(`${lost} desired state received again`, () => nodes.get(lost)?.lastDesired);
    assert.deepEqual(desiredOf(lost, 'web'), []);
    assert.deepEqual(desiredOf(lost, 'metrics'), [daemonPod]);
  });

  test('cordon, drain and delete -f', async () => {
    const target = (await podsOf('web'))[0]!.spec.nodeName as string;
    assert.equal((await corral('cordon', target)).stdout, `node/${target} cordoned\n`);
    assert.match((await corral('get', 'node', target)).stdout, /Ready,SchedulingDisabled/);
    const drained = await corral('drain', target);
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /^pod\/web-\S+ evicted$/m);
    await waitFor(`no web pod on ${target}`, () => (desiredOf(target, 'web').length === 0 ? true : undefined));
    assert.equal((await corral('uncordon', target)).stdout, `node/${target} uncordoned\n`);

    const removed = await corral('delete', '-f', `${dir.path}/web.yaml`, '-f', `${dir.path}/metrics.yaml`);
    assert.deepEqual([removed.code, removed.stdout], [0, 'deployment/web deleted\ndaemonset/metrics deleted\n']);
    for (const name of nodes.keys()) await waitFor(`${name} desired state empty`, () => (nodes.get(name)?.lastDesired?.pods.length === 0 ? true : undefined));
  });
});
