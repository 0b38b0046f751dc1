import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toPodObject } from '../../../../hub/src/pods/index.js';
import { PodObject, type PodStatus } from '../../../../protocol/src/index.js';
import { podRecord, stateMessage } from './fixtures.js';

const running = (uid: string): PodStatus => ({
  name: 'web',
  uid,
  phase: 'Running',
  podIP: '10.88.0.5',
  startTime: 1_700_000_000_000,
  containerStatuses: [{ name: 'app', image: 'busybox:1.36', ready: true, restartCount: 2, state: { running: { startedAt: 1_700_000_000_000 } } }],
});

test('toPodObject builds a Kubernetes-shaped Pod that PodObject parses back to the stored spec', () => {
  const record = podRecord('web', { uid: 'u-1' });
  const pod = toPodObject(record, undefined);
  assert.equal(pod.apiVersion, 'corral/v1');
  assert.equal(pod.kind, 'Pod');
  assert.deepEqual(pod.metadata, { name: 'web', uid: 'u-1', labels: { app: 'web' }, creationTimestamp: '2024-06-01T12:00:00.000Z', generation: 1 });
  assert.equal(pod.spec.nodeName, 'pi-1');
  assert.equal(pod.spec.containers[0]?.resources?.limits?.cpu, '250m', 'quantities in manifest form');
  const parsed = PodObject.parse(JSON.parse(JSON.stringify(pod)));
  assert.deepEqual(parsed.spec, record.spec);
});

test('toPodObject reports a pod its node has not reported as Pending with no container statuses', () => {
  const pod = toPodObject(podRecord('web', { uid: 'u-1' }), stateMessage(0, [running('someone-else')]));
  assert.deepEqual(pod.status, { name: 'web', uid: 'u-1', phase: 'Pending', containerStatuses: [] });
});

test('toPodObject takes the status the node reported for the pod uid', () => {
  const pod = toPodObject(podRecord('web', { uid: 'u-1' }), stateMessage(1, [running('u-0'), running('u-1')]));
  assert.equal(pod.status.phase, 'Running');
  assert.equal(pod.status.uid, 'u-1');
  assert.equal(pod.status.containerStatuses[0]?.restartCount, 2);
  assert.equal(pod.status.podIP, '10.88.0.5');
});

test('toPodObject sets status.observedGeneration once the node has applied the desired state carrying the pod', () => {
  const record = podRecord('web', { uid: 'u-1', nodeGeneration: 4 });
  assert.equal(toPodObject(record, undefined).status.observedGeneration, undefined);
  assert.equal(toPodObject(record, stateMessage(3)).status.observedGeneration, undefined);
  assert.equal(toPodObject(record, stateMessage(4)).status.observedGeneration, 1);
  assert.equal(toPodObject(record, stateMessage(9, [running('u-1')])).status.observedGeneration, 1);
});
