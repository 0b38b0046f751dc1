import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnNodeLost } from '../../../../protocol/src/index.js';
import { type BoundPod, type NodeReadiness, isLostFor, planDrain, planNodeLoss } from '../../../../hub/src/workloads/index.js';
import { T0 } from './fixtures.js';

const deployPod = (name: string, node: string, owner = 'web'): BoundPod => ({ name, uid: `uid-${name}`, nodeName: node, owner: { kind: 'Deployment', name: owner, uid: `uid-${owner}` } });
const nodes = new Map<string, NodeReadiness>([
  ['n1', { name: 'n1', phase: 'Ready', since: T0 }],
  ['n2', { name: 'n2', phase: 'NotReady', since: T0 }],
]);
const policies = new Map([
  ['uid-web', OnNodeLost.parse({ policy: 'reschedule', lostAfterSeconds: 30 })],
  ['uid-cam', OnNodeLost.parse('keep')],
]);

test('isLostFor: a node counts as lost once it has not been Ready for lostAfterSeconds', () => {
  const policy = OnNodeLost.parse({ policy: 'reschedule', lostAfterSeconds: 30 });
  assert.equal(isLostFor({ name: 'n2', phase: 'NotReady', since: T0 }, { policy, now: T0 + 29_999 }), false);
  assert.equal(isLostFor({ name: 'n2', phase: 'NotReady', since: T0 }, { policy, now: T0 + 30_000 }), true);
  assert.equal(isLostFor({ name: 'n1', phase: 'Ready', since: T0 }, { policy, now: T0 + 3_600_000 }), false);
});

test('planNodeLoss deletes the pods of reschedule Deployments on lost nodes and keeps the rest', () => {
  const pods: BoundPod[] = [
    deployPod('web-a', 'n1'),
    deployPod('web-b', 'n2'),
    deployPod('cam-a', 'n2', 'cam'),
    { name: 'metrics-a', uid: 'uid-m', nodeName: 'n2', owner: { kind: 'DaemonSet', name: 'metrics', uid: 'uid-metrics' } },
    { name: 'bare', uid: 'uid-bare', nodeName: 'n2' },
    { name: 'web-pending', uid: 'uid-p', owner: { kind: 'Deployment', name: 'web', uid: 'uid-web' } },
  ];
  assert.deepEqual(planNodeLoss(pods, { nodes, policies, now: T0 + 10_000 }), []);
  assert.deepEqual(planNodeLoss(pods, { nodes, policies, now: T0 + 30_000 }), [{ type: 'deletePod', pod: 'web-b', uid: 'uid-web-b', reason: 'NodeLost' }]);
});

test('planDrain evicts Deployment pods of the node and leaves DaemonSet pods and bare pods', () => {
  const plan = planDrain(
    [deployPod('web-a', 'n1'), deployPod('web-b', 'n2'), { name: 'metrics-a', uid: 'u', nodeName: 'n1', owner: { kind: 'DaemonSet', name: 'metrics', uid: 'm' } }, { name: 'bare', uid: 'b', nodeName: 'n1' }],
    'n1',
  );
  assert.deepEqual(plan.evict, [{ type: 'deletePod', pod: 'web-a', uid: 'uid-web-a', reason: 'Drained' }]);
  assert.deepEqual(plan.skipped, [
    { pod: 'metrics-a', reason: 'DaemonSet' },
    { pod: 'bare', reason: 'NoController' },
  ]);
});
