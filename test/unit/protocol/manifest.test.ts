import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, parseManifests } from '../../../protocol/src/index.js';

const good = `apiVersion: corral/v1
kind: Pod
metadata: {name: sensor}
spec:
  containers:
    - name: reader
      image: 127.0.0.1:5000/busybox:1
      resources: {limits: {memory: 32Mi, cpu: 200m}}
`;

test('parseManifests reads several documents and parses quantities', () => {
  const { objects, errors } = parseManifests(`${good}---\n${good.replace('sensor', 'other')}---\n`, 'pods.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual(objects.map((o) => o.metadata.name), ['sensor', 'other']);
  const pod = objects[0];
  assert.ok(pod?.kind === 'Pod');
  assert.equal(pod.spec.containers[0]?.resources.limits.memory, 32 * 2 ** 20);
  assert.equal(pod.spec.containers[0]?.resources.limits.cpu, 200);
  assert.equal(pod.spec.restartPolicy, 'Always');
});

test('parseManifests names the document, the field path and the reason of a bad quantity', () => {
  const { objects, errors } = parseManifests(`${good}---\n${good.replace('32Mi', '64MB')}`, 'deploy.yaml');
  assert.equal(objects.length, 1, 'the good document is kept');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, ErrorCode.ManifestInvalid);
  assert.equal(errors[0]?.path, 'spec.containers[0].resources.limits.memory');
  assert.match(errors[0]?.message ?? '', /^deploy\.yaml doc 2: /);
});

test('parseManifests rejects unknown kinds, non-mappings, bad YAML and unknown fields', () => {
  const cases: Array<[string, string]> = [
    ['apiVersion: corral/v1\nkind: Gadget\n', 'kind'],
    ['- just\n- a list\n', '(root)'],
    ['kind: Pod\n  bad: indentation: here\n', '(root)'],
    [good.replace('      image:', '      imagePullPolicy: Always\n      image:'), 'spec.containers[0]'],
  ];
  for (const [text, path] of cases) {
    const { objects, errors } = parseManifests(text, 'x.yaml');
    assert.equal(objects.length, 0, text);
    assert.equal(errors[0]?.code, ErrorCode.ManifestInvalid, text);
    assert.equal(errors[0]?.path, path, text);
  }
});

test('parseManifests skips empty documents', () => {
  assert.deepEqual(parseManifests('---\n---\n', 'empty.yaml'), { objects: [], errors: [] });
});

test('parseManifests reads Deployments and DaemonSets and names template fields like the issue does', () => {
  const deployment = `apiVersion: corral/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  onNodeLost: keep
  template:
    metadata: {labels: {app: web}}
    containers: [{name: app, image: busybox, resources: {limits: {memory: 64MB}}}]
`;
  const { errors } = parseManifests(deployment, 'deploy.yaml');
  assert.equal(errors[0]?.path, 'spec.template.containers[0].resources.limits.memory');
  const ok = parseManifests(deployment.replace('64MB', '64Mi') + '---\napiVersion: corral/v1\nkind: DaemonSet\nmetadata: {name: logs}\nspec:\n  template:\n    containers: [{name: c, image: busybox}]\n', 'x.yaml');
  assert.deepEqual(ok.errors, []);
  const [d, ds] = ok.objects;
  assert.ok(d?.kind === 'Deployment' && ds?.kind === 'DaemonSet');
  assert.deepEqual(d.spec.onNodeLost, { policy: 'keep', lostAfterSeconds: 30 });
  assert.equal(d.spec.replicas, 3);
  assert.deepEqual(d.spec.template.metadata.labels, { app: 'web' });
  assert.deepEqual(ds.spec.onNodeLost, { policy: 'keep', lostAfterSeconds: 30 });
});

test('parseManifests checks placement fields: operators and their values', () => {
  const pod = (affinity: string) => `apiVersion: corral/v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  affinity: ${affinity}\n`;
  const bad = parseManifests(pod('{nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: ram, operator: Gt, values: [lots]}]}]}}}'), 'p.yaml');
  assert.equal(bad.errors[0]?.path, 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values');
  const good = parseManifests(pod('{podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: web}}, topologyKey: corral.io/hostname}]}}'), 'p.yaml');
  assert.deepEqual(good.errors, []);
});

test('parseManifests accepts an anchor shared by two fields (not a cycle)', () => {
  const text = 'apiVersion: corral/v1\nkind: Pod\nmetadata: {name: web, labels: &l {app: web}}\nspec:\n  nodeSelector: *l\n  containers: [{name: main, image: busybox}]\n';
  const { objects, errors } = parseManifests(text, 'shared.yaml');
  assert.deepEqual(errors, []);
  assert.equal(objects.length, 1);
});
