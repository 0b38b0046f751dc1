import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ApiStatus, PodObject } from '../../protocol/src/index.js';
import { type HubHandle, freePort, startHub, tempDir, waitFor, runCli } from '../support/daemons.js';
import { FakeNode, retainedDesired } from '../support/fake-node.js';
import { getNode } from '../support/hub-api.js';


/**
 * Pods through a real hub (embedded broker, LevelDB, HTTP API) and the real
 * `corral` CLI, with MQTT clients in the test standing in for agents n1 and n2.
 */
describe('pods: hub and CLI with fake nodes', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let hub: HubHandle;
  let ports: { httpPort: number; mqttPort: number };
  let n1: FakeNode;
  let n2: FakeNode;
  let webUid = '';

  const corral = (...args: string[]) => runCli(hub.api, ...args);

  const startNodes = async () => {
    n1 = await FakeNode.start(hub.brokerUrl, 'n1', randomUUID());
    n2 = await FakeNode.start(hub.brokerUrl, 'n2', randomUUID());
    for (const name of ['n1', 'n2']) await waitFor(`${name} registered`, async () => ((await getNode(hub.api, name)) ? true : undefined));
  };

  before(async () => {
    dir = await tempDir('hub-pods');
    ports = { httpPort: await freePort(), mqttPort: await freePort() };
    hub = await startHub({ dataDir: `${dir.path}/hub`, ...ports });
    await startNodes();
  });

  after(async () => {
    await n1?.stop();
    await n2?.stop();
    await hub?.daemon.stop();
    await dir?.remove();
  });

  test('corral run creates a pod and its node gets a retained desired state at generation 1 carrying the spec', async () => {
    const run = await corral('run', 'web', '--image', 'busybox:1.36', '--node', 'n1', '--limits', 'cpu=250m,memory=32Mi,pids=50', '--env', 'MODE=edge', '--port', '8080:18080', '--', 'sleep', '3600');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'pod/web created\n');

    const desired = await waitFor('n1 desired generation 1', () => (n1.lastDesired?.generation === 1 ? n1.lastDesired : undefined));
    assert.deepEqual(desired.pods.map((p) => p.name), ['web']);
    const served = PodObject.parse(await (await fetch(`${hub.api}/api/v1/pods/web`)).json());
    webUid = served.metadata.uid ?? '';
    assert.equal(desired.pods[0]?.uid, webUid);
    assert.deepEqual(desired.pods[0]?.spec, served.spec, 'the spec round-trips: hub → wire → agent decode');
    assert.equal(desired.pods[0]?.spec.containers[0]?.resources.limits.cpu, 250);
    assert.deepEqual(desired.pods[0]?.spec.containers[0]?.command, ['sleep', '3600']);

    const retained = await waitFor('retained desired for n1', () => retainedDesired(hub.brokerUrl, 'n1'));
    assert.equal(retained.retain, true);
    assert.equal(retained.message.generation, 1);

    assert.equal((await corral('run', 'keeper', '--image', 'busybox:1.36', '--node', 'n2')).code, 0);
    await waitFor('n2 desired generation 1', () => (n2.lastDesired?.generation === 1 ? true : undefined));
  });

  test('corral run of the same pod again is unchanged; a different spec under its name is refused', async () => {
    const again = await corral('run', 'web', '--image', 'busybox:1.36', '--node', 'n1', '--limits', 'cpu=250m,memory=32Mi,pids=50', '--env', 'MODE=edge', '--port', '8080:18080', '--', 'sleep', '3600');
    assert.deepEqual([again.code, again.stdout], [0, 'pod/web unchanged\n']);
    const other = await corral('run', 'web', '--image', 'busybox:1.37', '--node', 'n1');
    assert.equal(other.code, 1);
    assert.match(other.stderr, /^error: pod "web" already exists with a different spec or labels/);
    const nowhere = await corral('run', 'lost', '--image', 'busybox', '--node', 'n9');
    assert.deepEqual([nowhere.code, nowhere.stderr], [1, 'error: spec.nodeName: node "n9" is not registered\n']);
    assert.equal(n1.lastDesired?.generation, 1, 'nothing was published');
  });

  test('a state from the node makes corral get pods show the pod Running with its restarts', async () => {
    const before = await corral('get', 'pods');
    assert.match(before.stdout, /^web\s+0\/1\s+Pending\s+0\s+\S+\s+n1$/m);
    await n1.publishState({
      observedGeneration: 1,
      pods: [
        {
          name: 'web',
          uid: webUid,
          phase: 'Running',
          podIP: '10.88.0.9',
          startTime: Date.now() - 60_000,
          containerStatuses: [
            {
              name: 'web',
              image: 'busybox:1.36',
              ready: true,
              restartCount: 2,
              state: { running: { startedAt: Date.now() - 30_000 } },
              lastTermination: { exitCode: 137, reason: 'OOMKilled', finishedAt: Date.now() - 31_000 },
            },
          ],
        },
      ],
    });
    const table = await waitFor('web Running in get pods', async () => {
      const out = await corral('get', 'pods', '-o', 'wide');
      return /^web\s+1\/1\s+Running\s+2 \(\S+ ago\)\s+\S+\s+n1\s+10\.88\.0\.9\s+busybox:1\.36$/m.test(out.stdout) ? out.stdout : undefined;
    });
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+NODE\s+IP\s+IMAGES$/m);
    assert.match(table, /^keeper\s+0\/1\s+Pending\s+0\s+\S+\s+n2\s+<none>\s+busybox:1\.36$/m);
    const json = JSON.parse((await corral('get', 'pod', 'web', '-o', 'json')).stdout) as { status: { observedGeneration?: number }; spec: { containers: Array<{ resources: { limits: { cpu: string } } }> } };
    assert.equal(json.status.observedGeneration, 1);
    assert.equal(json.spec.containers[0]?.resources.limits.cpu, '250m');
    const described = await corral('describe', 'pod', 'web');
    assert.match(described.stdout, /^ {4}Last State: +Terminated\n {6}Reason: +OOMKilled$/m);
    assert.match(described.stdout, /^Generation: +1 \(applied by the node\)$/m);
    assert.equal((await corral('get', 'pods', '--node', 'n2', '-o', 'name')).stdout, 'pod/keeper\n');
  });

  test('corral logs returns the lines the node replies to the logs command', async () => {
    n1.answer = (command) =>
      command.op === 'logs' && command.pod === 'web' ? { ok: true, result: { container: command.container ?? 'web', lines: ['booting', `tail=${command.tail}`], truncated: false } } : undefined;
    const out = await corral('logs', 'web', '--tail', '2');
    assert.deepEqual([out.code, out.stdout, out.stderr], [0, 'booting\ntail=2\n', '']);
    const command = n1.commands.at(-1);
    assert.ok(command?.op === 'logs');
    assert.deepEqual([command.pod, command.container, command.tail], ['web', 'web', 2]);

    n1.answer = () => ({ ok: false, error: { code: 'CORRAL_POD_NOT_FOUND', message: 'pod web does not run on this node' } });
    const missing = await corral('logs', 'web');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: node n1 does not run pod "web"/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
  });

  test('an invalid manifest is refused with 400 and an ApiStatus naming the field', async () => {
    const res = await fetch(`${hub.api}/api/v1/pods`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'corral/v1', kind: 'Pod', metadata: { name: 'bad' }, spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'x', resources: { limits: { memory: '64MB' } } }] } }),
    });
    assert.equal(res.status, 400);
    const status = ApiStatus.parse(await res.json());
    assert.match(status.message, /^spec\.containers\[0\]\.resources\.limits\.memory: /);
    assert.equal((await fetch(`${hub.api}/api/v1/pods/bad`)).status, 404);
  });

  test('corral delete pod publishes the node desired state at generation 2 without the pod', async () => {
    const out = await corral('delete', 'pod', 'web');
    assert.deepEqual([out.code, out.stdout], [0, 'pod/web deleted\n']);
    const desired = await waitFor('n1 desired generation 2', () => (n1.lastDesired?.generation === 2 ? n1.lastDesired : undefined));
    assert.deepEqual(desired.pods, []);
    const again = await corral('delete', 'pod', 'web');
    assert.deepEqual([again.code, again.stderr], [1, 'error: pod "web" not found\n']);
  });

  test('after a hub restart every node desired state is republished at its generation and the pods are still there', async () => {
    await n1.stop();
    await n2.stop();
    assert.equal((await hub.daemon.stop()).code, 0);
    hub = await startHub({ dataDir: `${dir.path}/hub`, ...ports });

    const n1Desired = await waitFor('n1 retained desired after restart', () => retainedDesired(hub.brokerUrl, 'n1'));
    assert.deepEqual([n1Desired.retain, n1Desired.message.generation, n1Desired.message.pods], [true, 2, []]);
    const n2Desired = await waitFor('n2 retained desired after restart', () => retainedDesired(hub.brokerUrl, 'n2'));
    assert.deepEqual([n2Desired.message.generation, n2Desired.message.pods.map((p) => p.name)], [1, ['keeper']]);

    const names = await corral('get', 'pods', '-o', 'name');
    assert.equal(names.stdout, 'pod/keeper\n');
    const keeper = await corral('get', 'pod', 'keeper');
    assert.match(keeper.stdout, /^keeper\s+0\/1\s+Pending\s+0\s+\S+\s+n2$/m, 'observed state is not kept across a restart: Pending until the node reports');

    await startNodes();
    const run = await corral('run', 'web2', '--image', 'busybox:1.36', '--node', 'n1');
    assert.equal(run.code, 0, run.stderr);
    const desired = await waitFor('n1 desired generation 3', () => (n1.lastDesired?.generation === 3 ? n1.lastDesired : undefined));
    assert.deepEqual(desired.pods.map((p) => p.name), ['web2'], 'the generation counter continued from the store');
  });
});
