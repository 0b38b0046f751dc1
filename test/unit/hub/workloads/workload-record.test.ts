import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeploymentSpec } from '../../../../protocol/src/index.js';
import { applyWorkload } from '../../../../hub/src/workloads/index.js';
import { T0, template } from './fixtures.js';

const wanted = (replicas: number, labels: Record<string, string> = {}) => ({ kind: 'Deployment' as const, name: 'web', labels, spec: DeploymentSpec.parse({ replicas, template: template() }) });
const options = { now: T0, newUid: () => 'uid-1' };

test('applyWorkload creates at generation 1, leaves the same spec unchanged and bumps the generation for a new spec', () => {
  const created = applyWorkload(wanted(3), { ...options, prev: undefined });
  assert.equal(created.action, 'created');
  assert.deepEqual([created.record.uid, created.record.generation, created.record.createdAt], ['uid-1', 1, T0]);
  // Through JSON, as the store gives it back.
  const stored = JSON.parse(JSON.stringify(created.record)) as typeof created.record;
  const same = applyWorkload(wanted(3), { prev: stored, now: T0 + 1, newUid: () => 'uid-2' });
  assert.equal(same.action, 'unchanged');
  assert.equal(same.record, stored);
  const scaled = applyWorkload(wanted(4), { ...options, prev: stored });
  assert.deepEqual([scaled.action, scaled.record.generation, scaled.record.uid], ['configured', 2, 'uid-1']);
  const relabelled = applyWorkload(wanted(3, { team: 'a' }), { ...options, prev: stored });
  assert.deepEqual([relabelled.action, relabelled.record.generation], ['configured', 1]);
});
