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
  assert.equal(objects[0]?.spec.containers[0]?.resources.limits.memory, 32 * 2 ** 20);
  assert.equal(objects[0]?.spec.containers[0]?.resources.limits.cpu, 200);
  assert.equal(objects[0]?.spec.restartPolicy, 'Always');
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
