import assert from 'node:assert/strict';
import { test } from 'node:test';
import { terminationReason } from '../../../../agent/src/runtime/termination.js';

test('terminationReason: exit 0 is Completed, anything else Error', () => {
  assert.equal(terminationReason(0, { oomKills: 0, memoryLimitHits: 0 }), 'Completed');
  assert.equal(terminationReason(3, { oomKills: 0, memoryLimitHits: 0 }), 'Error');
  assert.equal(terminationReason(143, undefined), 'Error');
});

test('terminationReason: any OOM kill in the cgroup makes it OOMKilled, whatever the exit code', () => {
  assert.equal(terminationReason(137, { oomKills: 1, memoryLimitHits: 40 }), 'OOMKilled');
  assert.equal(terminationReason(1, { oomKills: 2, memoryLimitHits: undefined }), 'OOMKilled');
  assert.equal(terminationReason(0, { oomKills: 1, memoryLimitHits: undefined }), 'OOMKilled');
});

test('terminationReason: with a counter that says 0, hitting the limit is not an OOM kill', () => {
  assert.equal(terminationReason(137, { oomKills: 0, memoryLimitHits: 12 }), 'Error');
});

test('terminationReason: without a counter (old v1 kernels), SIGKILL after hitting the limit counts as OOMKilled', () => {
  assert.equal(terminationReason(137, { oomKills: undefined, memoryLimitHits: 3 }), 'OOMKilled');
  assert.equal(terminationReason(137, { oomKills: undefined, memoryLimitHits: 0 }), 'Error');
  assert.equal(terminationReason(1, { oomKills: undefined, memoryLimitHits: 3 }), 'Error');
});
