import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DeploymentRecord, type OwnedPod, type WorkloadStep, planDeployment as planDeploymentOf, rollingBudget } from '../../../../hub/src/workloads/index.js';
import { T0, deployment, owned } from './fixtures.js';

const planDeployment = (d: DeploymentRecord, pods: OwnedPod[], hash: string) => planDeploymentOf(d, { pods, hash });
const creates = (steps: WorkloadStep[]) => steps.filter((s) => s.type === 'createPod').length;
const deletes = (steps: WorkloadStep[]) => steps.flatMap((s) => (s.type === 'deletePod' ? [`${s.pod}:${s.reason}`] : []));

test('planDeployment creates every missing replica of the current template', () => {
  const steps = planDeployment(deployment('web', { replicas: 3 }), [owned('web-a')], 'h1');
  assert.deepEqual(steps, [
    { type: 'createPod', kind: 'Deployment', workload: 'web', hash: 'h1' },
    { type: 'createPod', kind: 'Deployment', workload: 'web', hash: 'h1' },
  ]);
});

test('planDeployment returns nothing once the replicas are there', () => {
  const pods = [owned('web-a'), owned('web-b', { ready: false }), owned('web-c', { nodeName: undefined })];
  assert.deepEqual(planDeployment(deployment('web', { replicas: 3 }), pods, 'h1'), []);
});

test('planDeployment scales down the newest pods first, after pods not yet bound and pods not ready', () => {
  const pods = [
    owned('web-old', { createdAt: T0 }),
    owned('web-new', { createdAt: T0 + 2000 }),
    owned('web-mid', { createdAt: T0 + 1000 }),
    owned('web-unready', { createdAt: T0, ready: false }),
    owned('web-pending', { createdAt: T0, nodeName: undefined, ready: false }),
  ];
  const d = deployment('web', { replicas: 1 });
  assert.deepEqual(deletes(planDeployment(d, pods, 'h1')), ['web-pending:ScaleDown', 'web-unready:ScaleDown', 'web-new:ScaleDown', 'web-mid:ScaleDown']);
  assert.deepEqual(deletes(planDeployment(deployment('web', { replicas: 4 }), pods, 'h1')), ['web-pending:ScaleDown']);
  assert.deepEqual(deletes(planDeployment(deployment('web', { replicas: 0 }), pods, 'h1')).length, 5);
});

test('rollingBudget resolves percentages (surge up, unavailable down) and never leaves both at 0', () => {
  assert.deepEqual(rollingBudget(deployment('web', { replicas: 3 })), { maxSurge: 1, maxUnavailable: 0 });
  assert.deepEqual(rollingBudget(deployment('web', { replicas: 8 })), { maxSurge: 2, maxUnavailable: 2 });
  assert.deepEqual(rollingBudget(deployment('web', { replicas: 3, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } })), { maxSurge: 0, maxUnavailable: 1 });
});

test('planDeployment rolls a template change forward within maxSurge and maxUnavailable, step by step', () => {
  const d = deployment('web', { replicas: 3, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
  const old = [owned('web-a', { hash: 'h0' }), owned('web-b', { hash: 'h0' }), owned('web-c', { hash: 'h0' })];
  // One surge pod, no old pod may go while every pod is needed for availability.
  let steps = planDeployment(d, old, 'h1');
  assert.deepEqual([creates(steps), deletes(steps)], [1, []]);
  // The new pod is not ready yet: wait.
  steps = planDeployment(d, [...old, owned('web-n1', { ready: false })], 'h1');
  assert.deepEqual([creates(steps), deletes(steps)], [0, []]);
  // Ready: one old pod goes (the newest of the old), nothing new until there is room.
  steps = planDeployment(d, [...old, owned('web-n1', { createdAt: T0 + 5 })], 'h1');
  assert.equal(creates(steps), 0);
  assert.equal(deletes(steps).length, 1);
  assert.match(deletes(steps)[0] ?? '', /:Replaced$/);
  // Room again: the next surge pod.
  steps = planDeployment(d, [old[0]!, old[1]!, owned('web-n1')], 'h1');
  assert.deepEqual([creates(steps), deletes(steps)], [1, []]);
});

test('planDeployment deletes old pods that are not ready first, without waiting for availability', () => {
  const d = deployment('web', { replicas: 4 }); // 25%: surge 1, unavailable 1
  const pods = [owned('web-a', { hash: 'h0', ready: false }), owned('web-b', { hash: 'h0' }), owned('web-c', { hash: 'h0' }), owned('web-d', { hash: 'h0' })];
  const steps = planDeployment(d, pods, 'h1');
  assert.equal(creates(steps), 1);
  assert.deepEqual(deletes(steps), ['web-a:Replaced']);
});

test('planDeployment with Recreate deletes every old pod before creating new ones', () => {
  const d = deployment('web', { replicas: 2, strategy: { type: 'Recreate' } });
  const steps = planDeployment(d, [owned('web-a', { hash: 'h0' }), owned('web-b', { hash: 'h0' })], 'h1');
  assert.deepEqual([creates(steps), deletes(steps)], [0, ['web-a:Replaced', 'web-b:Replaced']]);
  assert.equal(creates(planDeployment(d, [], 'h1')), 2);
});
