import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTNAME_LABEL } from '../../../../protocol/src/index.js';
import type { PodRecord } from '../../../../hub/src/pods/index.js';
import { buildSnapshot, newOwnedPod, placePending, toSchedulerNode } from '../../../../hub/src/workloads/index.js';
import { T0, deployment, hostnameAntiAffinity, nodeRecord, schedulerConfig, standInSchedule, template } from './fixtures.js';

function pendingPod(name: string, createdAt: number, extra: Record<string, unknown> = {}): PodRecord {
  const d = deployment('web', { template: template({ app: 'web' }, extra) });
  const pod = newOwnedPod(d, { name, hash: 'h1' });
  return { uid: `uid-${name}`, name, labels: pod.labels, spec: pod.spec, createdAt, generation: 1, nodeGeneration: 0 };
}

test('toSchedulerNode adds the hostname label and maps phase and cordon', () => {
  const node = toSchedulerNode(nodeRecord('n1', { labels: { site: 'lab' }, phase: 'NotReady', unschedulable: true }));
  assert.deepEqual(node.labels, { site: 'lab', [HOSTNAME_LABEL]: 'n1' });
  assert.deepEqual([node.ready, node.unschedulable, node.architecture, node.allocatable.memory], [false, true, 'arm64', 2 ** 30]);
});

test('buildSnapshot holds bound pods with their requests and leaves Pending pods out', () => {
  const bound = { ...pendingPod('web-a', T0), nodeName: 'n1' };
  const snapshot = buildSnapshot([nodeRecord('n1')], [bound, pendingPod('web-b', T0)]);
  assert.deepEqual(snapshot.pods.map((p) => [p.name, p.nodeName, p.requests.cpu, p.requests.memory]), [['web-a', 'n1', 100, 16 * 2 ** 20]]);
});

test('placePending decides oldest first and lets each placement constrain the next (anti-affinity)', () => {
  const nodes = [nodeRecord('n1'), nodeRecord('n2')];
  const pods = [pendingPod('web-c', T0 + 2, hostnameAntiAffinity('web')), pendingPod('web-a', T0, hostnameAntiAffinity('web')), pendingPod('web-b', T0 + 1, hostnameAntiAffinity('web'))];
  const placements = placePending(pods, { snapshot: buildSnapshot(nodes, []), schedule: standInSchedule, config: schedulerConfig });
  assert.deepEqual(
    placements.map((p) => [p.pod, p.decision.node]),
    [
      ['web-a', 'n1'],
      ['web-b', 'n2'],
      ['web-c', undefined],
    ],
  );
  const rejected = placements[2]?.decision.verdicts.map((v) => [v.node, v.rejections[0]?.filter]);
  assert.deepEqual(rejected, [
    ['n1', 'PodAntiAffinity'],
    ['n2', 'PodAntiAffinity'],
  ]);
});
