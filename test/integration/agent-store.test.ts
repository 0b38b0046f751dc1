import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentStore } from '../../agent/src/state/store.js';
import { PodSpec } from '../../protocol/src/index.js';
import { tempDir } from '../support/daemons.js';

test('AgentStore keeps identity, desired state and pod records across reopening (real LevelDB)', async () => {
  const dir = await tempDir('agent-store');
  try {
    let store = await AgentStore.open(dir.path);
    const first = await store.startIdentity();
    assert.equal(await store.loadDesired(), undefined);
    const spec = PodSpec.parse({ containers: [{ name: 'main', image: 'busybox', resources: { limits: { cpu: '200m' } } }] });
    await store.saveDesired({ generation: 3, pods: [{ uid: 'u1', name: 'web', spec }] });
    await store.batch(
      [
        { sublevel: 'pods', type: 'put', key: 'u1', value: { main: { restart: { restarts: 2, crashes: 1, notBefore: 5 } } } },
        { sublevel: 'pods', type: 'put', key: 'u2', value: { main: { restart: { restarts: 0, crashes: 0, notBefore: 0 } } } },
      ],
      { sync: true },
    );
    await store.forgetPod('u2');
    await store.close();

    store = await AgentStore.open(dir.path);
    const second = await store.startIdentity();
    assert.equal(second.uid, first.uid);
    assert.equal(second.bootCount, first.bootCount + 1);
    const desired = await store.loadDesired();
    assert.equal(desired?.generation, 3);
    assert.deepEqual(desired?.pods[0]?.spec, spec);
    assert.deepEqual([...(await store.loadPodRecords()).keys()], ['u1']);
    assert.equal((await store.loadPodRecords()).get('u1')?.main?.restart.restarts, 2);
    await store.close();
  } finally {
    await dir.remove();
  }
});
