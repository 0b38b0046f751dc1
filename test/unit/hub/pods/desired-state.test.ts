import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PODS_PER_NODE, desiredState, encodeDesired } from '../../../../hub/src/pods/index.js';
import { MAX_MESSAGE_BYTES, decodeDesiredBody } from '../../../../protocol/src/index.js';
import { CREATED_AT, podRecord } from './fixtures.js';

test('desiredState holds only the pods bound to the node, sorted by name, with the given generation and clock', () => {
  const pods = [podRecord('web', { node: 'pi-1' }), podRecord('db', { node: 'pi-1' }), podRecord('cam', { node: 'pi-2' })];
  const message = desiredState('pi-1', pods, { generation: 7, now: 123 });
  assert.deepEqual(
    message.pods.map((p) => [p.name, p.uid]),
    [
      ['db', 'uid-db'],
      ['web', 'uid-web'],
    ],
  );
  assert.equal(message.generation, 7);
  assert.equal(message.node, 'pi-1', 'the node is inside the signed body: no replay to another node');
  assert.equal(message.ts, 123);
  assert.equal(message.v, 1);
});

test('desiredState of a node without pods is an empty desired state, not nothing', () => {
  const message = desiredState('pi-3', [podRecord('web')], { generation: 2, now: 0 });
  assert.deepEqual(message.pods, []);
  assert.equal(message.generation, 2);
});

test('desiredState carries specs in manifest form, so the agent decodes the very spec the hub stored', () => {
  const pod = podRecord('web');
  const message = desiredState('pi-1', [pod], { generation: 1, now: CREATED_AT });
  assert.equal(message.pods[0]?.spec.containers[0]?.resources?.limits?.cpu, '250m');
  const encoded = encodeDesired('pi-1', message);
  assert.ok(encoded.ok);
  const decoded = decodeDesiredBody(encoded.value);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.value.pods[0]?.spec, pod.spec);
  assert.deepEqual(decoded.value.pods[0]?.labels, { app: 'web' });
  assert.equal(decoded.value.pods[0]?.spec.containers[0]?.resources.limits.cpu, 250);
});

test('desiredState is pure: the same input gives the same message', () => {
  const pods = [podRecord('b'), podRecord('a')];
  assert.deepEqual(desiredState('pi-1', pods, { generation: 3, now: 9 }), desiredState('pi-1', [...pods].reverse(), { generation: 3, now: 9 }));
});

test('encodeDesired refuses more pods than one desired message may carry', () => {
  const pods = Array.from({ length: MAX_PODS_PER_NODE + 1 }, (_, i) => podRecord(`p${i}`));
  const encoded = encodeDesired('pi-1', desiredState('pi-1', pods, { generation: 1, now: 0 }));
  assert.equal(encoded.ok, false);
  if (!encoded.ok) assert.equal(encoded.error.reason, 'TooManyPods');
});

test('encodeDesired refuses a desired state larger than the message limit', () => {
  const big = podRecord('big');
  big.spec.containers[0]!.env = Array.from({ length: 40 }, (_, i) => ({ name: `V${i}`, value: 'x'.repeat(8 * 1024) }));
  const encoded = encodeDesired('pi-1', desiredState('pi-1', [big], { generation: 1, now: 0 }));
  assert.equal(encoded.ok, false);
  if (!encoded.ok) {
    assert.equal(encoded.error.reason, 'TooLarge');
    assert.ok(40 * 8 * 1024 > MAX_MESSAGE_BYTES);
  }
});
