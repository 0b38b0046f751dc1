import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from 'cbor-x';
import { ErrorCode, PodSpec, decodeDesiredBody, encodeDesiredBody, toWirePodSpec } from '../../../protocol/src/index.js';

const spec = PodSpec.parse({
  containers: [{ name: 'app', image: 'busybox', resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: 2, memory: '64Mi', pids: 50 } } }],
});

test('toWirePodSpec round-trips a parsed spec through the desired message unchanged', () => {
  const payload = encodeDesiredBody({ v: 1, node: 'pi-1', ts: 1, generation: 7, pods: [{ uid: 'u1', name: 'web', labels: {}, spec: toWirePodSpec(spec) }] });
  const decoded = decodeDesiredBody(payload);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.value.pods[0]?.spec, spec);
  assert.equal(decoded.value.pods[0]?.spec.containers[0]?.resources.limits.cpu, 2000);
  assert.equal(decoded.value.generation, 7);
});

test('decodeDesiredBody rejects a desired state whose pod spec is invalid, naming the field', () => {
  const bad = { v: 1, node: 'pi-1', ts: 1, generation: 1, pods: [{ uid: 'u1', name: 'web', spec: { containers: [{ name: 'App', image: 'x' }] } }] };
  const decoded = decodeDesiredBody(encode(bad));
  assert.equal(decoded.ok, false);
  if (!decoded.ok) {
    assert.equal(decoded.error.code, ErrorCode.ProtocolInvalid);
    assert.equal(decoded.error.path, 'pods[0].spec.containers[0].name');
  }
});

