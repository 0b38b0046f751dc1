import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, PodSpec, decodeDesiredBody, encodeDesiredBody, parseManifests, toWirePodSpec } from '../../../protocol/src/index.js';

const deployment = (onNodeLost: string, stopAfterSeconds: number, kind = 'Deployment') => `apiVersion: corral/v1
kind: ${kind}
metadata: {name: leader}
spec:
  onNodeLost: ${onNodeLost}
  template:
    metadata: {labels: {app: leader}}
    offline: {stopAfterSeconds: ${stopAfterSeconds}}
    containers: [{name: app, image: busybox}]
`;

test('pod spec offline.stopAfterSeconds survives toWirePodSpec and the desired message', () => {
  const spec = PodSpec.parse({ containers: [{ name: 'app', image: 'busybox', resources: { limits: { cpu: '500m' } } }], offline: { stopAfterSeconds: 12 } });
  const payload = encodeDesiredBody({ v: 1, node: 'pi-1', ts: 1, generation: 3, pods: [{ uid: 'u1', name: 'leader', labels: {}, spec: toWirePodSpec(spec) }] });
  const decoded = decodeDesiredBody(payload);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.value.pods[0]?.spec, spec);
  assert.deepEqual(decoded.value.pods[0]?.spec.offline, { stopAfterSeconds: 12 });
});

test('pod spec without offline stays without it', () => {
  const spec = PodSpec.parse({ containers: [{ name: 'app', image: 'busybox' }] });
  assert.equal(spec.offline, undefined);
  assert.equal('offline' in spec, false);
});

test('pod spec offline.stopAfterSeconds must be a positive whole number and offline takes no other field', () => {
  const cases: Array<[unknown, string]> = [
    [{ stopAfterSeconds: 0 }, 'spec.offline.stopAfterSeconds'],
    [{ stopAfterSeconds: 2.5 }, 'spec.offline.stopAfterSeconds'],
    [{ stopAfterSeconds: '10' }, 'spec.offline.stopAfterSeconds'],
    [{ stopAfterSeconds: 10, startAfterSeconds: 1 }, 'spec.offline'],
    [{}, 'spec.offline.stopAfterSeconds'],
  ];
  for (const [offline, path] of cases) {
    const text = `apiVersion: corral/v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  offline: ${JSON.stringify(offline)}\n`;
    const { objects, errors } = parseManifests(text, 'p.yaml');
    assert.equal(objects.length, 0, JSON.stringify(offline));
    assert.equal(errors[0]?.code, ErrorCode.ManifestInvalid);
    assert.equal(errors[0]?.path, path, JSON.stringify(offline));
  }
});

test('workload with onNodeLost reschedule needs stopAfterSeconds below lostAfterSeconds, naming the field', () => {
  for (const [onNodeLost, stop] of [['{policy: reschedule, lostAfterSeconds: 30}', 30], ['{policy: reschedule, lostAfterSeconds: 30}', 45], ['reschedule', 30]] as const) {
    const { objects, errors } = parseManifests(deployment(onNodeLost, stop), 'leader.yaml');
    assert.equal(objects.length, 0, `${onNodeLost} ${stop}`);
    assert.equal(errors[0]?.code, ErrorCode.ManifestInvalid);
    assert.equal(errors[0]?.path, 'spec.template.offline.stopAfterSeconds');
  }
  const ok = parseManifests(deployment('{policy: reschedule, lostAfterSeconds: 30}', 29), 'leader.yaml');
  assert.deepEqual(ok.errors, []);
  const [d] = ok.objects;
  assert.ok(d?.kind === 'Deployment');
  assert.deepEqual(d.spec.template.offline, { stopAfterSeconds: 29 });
});

test('workload that keeps its pods on a lost node may fence them later than lostAfterSeconds', () => {
  const { errors } = parseManifests(`${deployment('keep', 120)}---\n${deployment('{policy: keep, lostAfterSeconds: 10}', 60, 'DaemonSet')}`, 'x.yaml');
  assert.deepEqual(errors, []);
});

test('DaemonSet told to reschedule follows the same rule as a Deployment', () => {
  const { errors } = parseManifests(deployment('{policy: reschedule, lostAfterSeconds: 20}', 20, 'DaemonSet'), 'ds.yaml');
  assert.equal(errors[0]?.path, 'spec.template.offline.stopAfterSeconds');
});
