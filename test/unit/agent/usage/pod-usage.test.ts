import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodUsageSampler } from '../../../../agent/src/usage/pod-usage.js';

test('PodUsageSampler turns cumulative cgroup cpu time into millicores between samples', () => {
  const sampler = new PodUsageSampler();
  assert.deepEqual(sampler.next([{ uid: 'a', name: 'web', cpuUsageNs: 5e9, memoryWorkingSetBytes: 1000 }], 10_000), [{ name: 'web', cpu: 0, memory: 1000 }]);
  // 0.5 s of cpu over 2 s of wall time = 250m.
  assert.deepEqual(sampler.next([{ uid: 'a', name: 'web', cpuUsageNs: 5.5e9, memoryWorkingSetBytes: 2000 }], 12_000), [{ name: 'web', cpu: 250, memory: 2000 }]);
});

test('PodUsageSampler starts a new pod at zero and never reports negative cpu after a restart', () => {
  const sampler = new PodUsageSampler();
  sampler.next([{ uid: 'a', name: 'web', cpuUsageNs: 9e9, memoryWorkingSetBytes: 1 }], 0);
  const next = sampler.next([{ uid: 'a', name: 'web', cpuUsageNs: 1e9, memoryWorkingSetBytes: 1 }, { uid: 'b', name: 'db', cpuUsageNs: 3e9, memoryWorkingSetBytes: 2 }], 1000);
  assert.deepEqual(next, [{ name: 'web', cpu: 0, memory: 1 }, { name: 'db', cpu: 0, memory: 2 }]);
});
