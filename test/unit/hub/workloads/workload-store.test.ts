import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DaemonSetSpec, DeploymentSpec } from '../../../../protocol/src/index.js';
import { MemoryCollection } from '../../../../hub/src/store/memory-collection.js';
import { type DaemonSetRecord, type DeploymentRecord, WorkloadStore } from '../../../../hub/src/workloads/index.js';
import { silentLog } from '../fixtures.js';
import { T0, template } from './fixtures.js';

function store(deployments = new MemoryCollection<DeploymentRecord>(), daemonSets = new MemoryCollection<DaemonSetRecord>()) {
  let uid = 0;
  return { deployments, daemonSets, store: new WorkloadStore({ deployments, daemonSets, now: () => T0, log: silentLog, newUid: () => `uid-${++uid}` }) };
}

test('WorkloadStore writes applied workloads through, tells listeners of changes only, and loads them back', async () => {
  const { deployments, daemonSets, store: first } = store();
  let changes = 0;
  first.onChange(() => changes++);
  const spec = DeploymentSpec.parse({ replicas: 2, template: template() });
  assert.equal((await first.apply({ kind: 'Deployment', name: 'web', labels: {}, spec })).action, 'created');
  assert.equal((await first.apply({ kind: 'Deployment', name: 'web', labels: {}, spec })).action, 'unchanged');
  assert.equal((await first.apply({ kind: 'DaemonSet', name: 'web', labels: {}, spec: DaemonSetSpec.parse({ template: template() }) })).action, 'created', 'kinds have their own names');
  assert.equal(changes, 2);
  assert.equal((await deployments.get('web'))?.spec.replicas, 2);

  const { store: second } = store(deployments, daemonSets);
  await second.load();
  assert.deepEqual(second.list('Deployment').map((d) => [d.name, d.uid, d.generation]), [['web', 'uid-1', 1]]);
  assert.equal((await second.apply({ kind: 'Deployment', name: 'web', labels: {}, spec })).action, 'unchanged', 'a stored spec compares equal to the same manifest');
  assert.equal((await second.delete('Deployment', 'web'))?.uid, 'uid-1');
  assert.equal(await deployments.get('web'), undefined);
  assert.equal(second.get('DaemonSet', 'web')?.uid, 'uid-2');
  assert.equal(await second.delete('Deployment', 'web'), undefined);
});
