import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadStaticPods, staticPodUid } from '../../../../agent/src/pods/static-pods.js';
import { ErrorCode } from '../../../../protocol/src/index.js';

const pod = (name: string, memory = '16Mi') => `apiVersion: corral/v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers: [{name: main, image: busybox, resources: {limits: {memory: ${memory}}}}]
`;

test('loadStaticPods reads every YAML file, keeps the good pods and reports the bad documents', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'corral-static-'));
  try {
    await writeFile(join(dir, '10-sensor.yaml'), pod('sensor'));
    await writeFile(join(dir, '20-mixed.yml'), `${pod('logger')}---\n${pod('broken', '1MB')}`);
    await writeFile(join(dir, '30-dup.yaml'), pod('sensor'));
    await writeFile(join(dir, 'README.txt'), 'not a manifest');
    const { pods, errors } = await loadStaticPods(dir);
    assert.deepEqual(pods.map((p) => p.name), ['sensor', 'logger']);
    assert.equal(pods[0]?.uid, staticPodUid('sensor'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, ErrorCode.ManifestInvalid);
    assert.match(errors[0]?.message ?? '', /^20-mixed\.yml doc 2: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadStaticPods treats a missing directory as no static pods', async () => {
  assert.deepEqual(await loadStaticPods('/nonexistent/corral/pods.d'), { pods: [], errors: [] });
});

test('staticPodUid is stable for a name and differs between names', () => {
  assert.equal(staticPodUid('a'), staticPodUid('a'));
  assert.notEqual(staticPodUid('a'), staticPodUid('b'));
  assert.match(staticPodUid('a'), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});
