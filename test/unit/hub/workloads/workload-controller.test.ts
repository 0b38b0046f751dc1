import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { schedule } from '../../../../hub/src/scheduler/index.js';
import { OWNER_LABEL } from '../../../../hub/src/workloads/index.js';
import { ControllerFixture } from './controller-fixture.js';
import { hostnameAntiAffinity } from './fixtures.js';

describe('WorkloadController', () => {
  let f: ControllerFixture;
  beforeEach(() => {
    f = new ControllerFixture();
  });
  afterEach(() => f.stop());

  test('a Deployment of 3 with hostname anti-affinity puts one pod in each of 3 nodes desired states', async () => {
    for (const n of ['n1', 'n2', 'n3']) await f.join(n);
    await f.applyDeployment('web', { replicas: 3 }, { app: 'web' }, hostnameAntiAffinity('web'));
    const pods = f.podsOf('web');
    assert.equal(pods.length, 3);
    for (const pod of pods) {
      assert.match(pod.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(pod.labels[OWNER_LABEL.Deployment], 'web');
      assert.equal(pod.labels['app'], 'web');
    }
    assert.equal(new Set(pods.map((p) => p.uid)).size, 3);
    assert.deepEqual(pods.map((p) => p.nodeName).sort(), ['n1', 'n2', 'n3']);
    for (const n of ['n1', 'n2', 'n3']) {
      assert.equal(f.desiredOn(n).length, 1);
      assert.equal(f.sink.last(n)?.generation, 1, 'one commit per node');
    }
  });

  test('scaling past what anti-affinity allows leaves a Pending pod whose decision rejects every node, placed when a node joins', async () => {
    for (const n of ['n1', 'n2', 'n3']) await f.join(n);
    await f.applyDeployment('web', { replicas: 3 }, { app: 'web' }, hostnameAntiAffinity('web'));
    await f.applyDeployment('web', { replicas: 4 }, { app: 'web' }, hostnameAntiAffinity('web'));
    const pending = f.podsOf('web').filter((p) => p.nodeName === undefined);
    assert.equal(pending.length, 1);
    const decision = f.controller.decision(pending[0]!.name);
    assert.equal(decision?.node, undefined);
    assert.deepEqual(decision?.verdicts.map((v) => [v.node, v.rejections.map((r) => r.filter)]), [
      ['n1', ['PodAntiAffinity']],
      ['n2', ['PodAntiAffinity']],
      ['n3', ['PodAntiAffinity']],
    ]);
    assert.deepEqual(f.controller.workloadEvents('Deployment', 'web').filter((e) => e.reason === 'FailedScheduling').length, 1, 'logged once, not on every pass');

    await f.join('n4');
    assert.equal(f.pods.get(pending[0]!.name)?.nodeName, 'n4');
    assert.deepEqual(f.desiredOn('n4'), [pending[0]!.name]);
    assert.equal(f.controller.decision(pending[0]!.name)?.node, 'n4');
  });

  test('scaling down deletes the newest pods and publishes their nodes without them', async () => {
    await f.join('n1');
    await f.applyDeployment('web', { replicas: 2 });
    const first = f.podsOf('web').map((p) => p.name);
    f.clock.now += 1000;
    await f.applyDeployment('web', { replicas: 3 });
    const newest = f.podsOf('web').find((p) => !first.includes(p.name))!;
    await f.applyDeployment('web', { replicas: 2 });
    assert.deepEqual(f.podsOf('web').map((p) => p.name).sort(), [...first].sort());
    assert.equal(f.desiredOn('n1').includes(newest.name), false);
    assert.equal(f.desiredOn('n1').length, 2);
  });

  test('a template change rolls the Deployment over as new pods become ready, never below replicas - maxUnavailable ready', async () => {
    await f.join('n1');
    await f.applyDeployment('web', { replicas: 4 });
    await f.converge(['n1']);
    const before = f.podsOf('web').map((p) => p.name);
    const counts: number[] = [];
    const off = f.pods.onChange(() => counts.push(f.podsOf('web').length));
    await f.applyDeployment('web', { replicas: 4 }, { app: 'web', version: '2' });
    // Nothing ready among the new pods: the rollout waits at maxSurge over, with maxUnavailable old pods gone.
    assert.deepEqual([f.podsOf('web').length, f.podsOf('web').filter((p) => before.includes(p.name)).length], [5, 3]);
    await f.converge(['n1']);
    off();
    const after = f.podsOf('web');
    assert.equal(after.length, 4);
    assert.equal(after.some((p) => before.includes(p.name)), false);
    assert.ok(after.every((p) => p.labels['version'] === '2'));
    assert.ok(Math.max(...counts) <= 5, 'never more than replicas + maxSurge');
  });

  test('a template change with pods that never become ready stalls like Kubernetes does', async () => {
    await f.join('n1');
    await f.applyDeployment('web', { replicas: 3 }); // maxSurge 1, maxUnavailable 0
    await f.applyDeployment('web', { replicas: 3 }, { app: 'web', version: '2' });
    assert.equal(f.podsOf('web').length, 4);
    assert.equal(f.podsOf('web').filter((p) => p.labels['version'] === '2').length, 1);
  });

  test('deleting a Deployment deletes its pods', async () => {
    await f.join('n1');
    await f.applyDeployment('web', { replicas: 2 });
    await f.workloads.delete('Deployment', 'web');
    await f.settle();
    assert.deepEqual(f.podsOf('web'), []);
    assert.deepEqual(f.desiredOn('n1'), []);
  });

  test('a DaemonSet gets a pod on every matching node, follows joins and label changes, and ignores cordons', async () => {
    await f.join('n1', { site: 'lab' });
    await f.join('n2', { site: 'barn' });
    await f.applyDaemonSet('metrics', { nodeSelector: { site: 'lab' } });
    assert.deepEqual(f.podsOf('metrics').map((p) => p.nodeName), ['n1']);
    await f.registry.setUnschedulable('n3', true);
    await f.join('n3', { site: 'lab' });
    await f.registry.setUnschedulable('n3', true);
    await f.settle();
    assert.deepEqual(f.podsOf('metrics').map((p) => p.nodeName).sort(), ['n1', 'n3']);
    assert.equal(f.desiredOn('n3').length, 1);
    // n1 moves to the barn: its pod goes.
    await f.join('n1', { site: 'barn' }, { session: 2_000_000 });
    assert.deepEqual(f.podsOf('metrics').map((p) => p.nodeName), ['n3']);
    assert.deepEqual(f.desiredOn('n1'), []);
  });

  test('a lost node: reschedule pods move after lostAfterSeconds, keep pods stay, and the returning node keeps only its own', async () => {
    await f.join('n1');
    await f.join('n2');
    await f.applyDaemonSet('metrics');
    // Both Deployments' pods on n1: n2 is cordoned while they are placed.
    await f.registry.setUnschedulable('n2', true);
    await f.applyDeployment('web', { replicas: 1, onNodeLost: { policy: 'reschedule', lostAfterSeconds: 30 } });
    await f.applyDeployment('cam', { replicas: 1, onNodeLost: 'keep' });
    await f.registry.setUnschedulable('n2', false);
    await f.settle();
    const webPod = f.podsOf('web')[0]!;
    const camPod = f.podsOf('cam')[0]!;
    const daemonOnN1 = f.podsOf('metrics').find((p) => p.nodeName === 'n1')!;
    assert.deepEqual([webPod.nodeName, camPod.nodeName], ['n1', 'n1']);

    await f.disconnect('n1');
    await f.advance(29_000);
    assert.equal(f.pods.get(webPod.name)?.nodeName, 'n1', 'not lost yet');
    await f.advance(1_000);
    assert.equal(f.pods.get(webPod.name), undefined, 'deleted from the lost node');
    const replacement = f.podsOf('web')[0];
    assert.equal(replacement?.nodeName, 'n2');
    assert.notEqual(replacement?.uid, webPod.uid);
    assert.deepEqual(f.desiredOn('n1').sort(), [camPod.name, daemonOnN1.name].sort(), 'keep and DaemonSet pods stay with the lost node; the moved pod is gone');

    // The node returns: its retained desired state lacks the moved pod and still has its own.
    const generation = f.sink.last('n1')?.generation;
    await f.join('n1', {}, { session: 3_000_000 });
    assert.equal(f.sink.last('n1')?.generation, generation, 'nothing to change on return');
    assert.deepEqual(f.desiredOn('n1').sort(), [camPod.name, daemonOnN1.name].sort());
    assert.deepEqual(f.podsOf('web').map((p) => p.name), [replacement?.name]);
  });

  test('drain cordons the node and moves its Deployment pods elsewhere, leaving DaemonSet pods', async () => {
    await f.join('n1');
    await f.join('n2');
    await f.applyDeployment('web', { replicas: 2 });
    await f.applyDaemonSet('metrics');
    const plan = await f.controller.drain('n1');
    await f.settle();
    assert.equal(f.registry.get('n1')?.unschedulable, true);
    assert.ok(plan && plan.evict.length >= 1);
    assert.deepEqual(plan?.skipped.map((s) => s.reason), ['DaemonSet']);
    assert.deepEqual(f.podsOf('web').map((p) => p.nodeName), ['n2', 'n2']);
    assert.deepEqual(f.pods.list({ node: 'n1' }).map((p) => p.owner?.name), ['metrics']);
    assert.equal(await f.controller.drain('nope'), undefined);
  });
});

describe('WorkloadController with the real scheduler', () => {
  test('the 4th replica with required hostname anti-affinity on 3 nodes stays Pending, every node rejecting it for PodAntiAffinity', async () => {
    const f = new ControllerFixture(schedule);
    try {
      for (const n of ['n1', 'n2', 'n3']) await f.join(n);
      await f.applyDeployment('web', { replicas: 4 }, { app: 'web' }, hostnameAntiAffinity('web'));
      const pods = f.podsOf('web');
      assert.deepEqual(pods.map((p) => p.nodeName ?? '-').sort(), ['-', 'n1', 'n2', 'n3']);
      const pending = pods.find((p) => p.nodeName === undefined)!;
      const decision = f.controller.decision(pending.name);
      assert.equal(decision?.node, undefined);
      // Its own rule and (symmetry) the placed pod's rule each reject every node.
      assert.deepEqual(decision?.verdicts.map((v) => [v.node, [...new Set(v.rejections.map((r) => r.filter))]]).sort(), [
        ['n1', ['PodAntiAffinity']],
        ['n2', ['PodAntiAffinity']],
        ['n3', ['PodAntiAffinity']],
      ]);
    } finally {
      await f.stop();
    }
  });
});
