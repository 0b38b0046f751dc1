import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podStatus } from '../../../../agent/src/reconcile/pod-status.js';
import { IMAGE, imagesPresent, noImages, observedAs, pod, recordOf } from './fixtures.js';

const NOW = 10_000_000;

test('podStatus reports a running pod with its container running and ready', () => {
  const p = pod('web');
  const s = podStatus(p, observedAs(p, { status: 'running', startedAt: 5 }), { records: undefined, images: imagesPresent, now: NOW });
  assert.equal(s.phase, 'Running');
  assert.deepEqual(s.containerStatuses[0]?.state, { running: { startedAt: 5 } });
  assert.equal(s.containerStatuses[0]?.ready, true);
});

test('podStatus reports ImagePullBackOff with the pull error while the image is missing', () => {
  const p = pod('web');
  const images = { present: new Set<string>(), pullBackoff: new Map([[IMAGE, { notBefore: NOW + 1, message: 'manifest unknown' }]]) };
  const s = podStatus(p, undefined, { records: undefined, images, now: NOW });
  assert.equal(s.phase, 'Pending');
  assert.deepEqual(s.containerStatuses[0]?.state.waiting, { reason: 'ImagePullBackOff', message: 'manifest unknown' });
  assert.equal(podStatus(p, undefined, { records: undefined, images: noImages, now: NOW }).containerStatuses[0]?.state.waiting?.reason, 'ContainerCreating');
});

test('podStatus reports CrashLoopBackOff with the restart count and last termination, phase Running', () => {
  const p = pod('web');
  const termination = { exitCode: 137, reason: 'OOMKilled', startedAt: NOW - 5_000, finishedAt: NOW - 1_000 } as const;
  const record = recordOf({ lastTermination: termination, restart: { restarts: 3, crashes: 4, notBefore: NOW + 79_000 } });
  const s = podStatus(p, observedAs(p, { status: 'exited', ...termination }), { records: { main: record }, images: imagesPresent, now: NOW });
  assert.equal(s.phase, 'Running');
  assert.equal(s.containerStatuses[0]?.restartCount, 3);
  assert.equal(s.containerStatuses[0]?.state.waiting?.reason, 'CrashLoopBackOff');
  assert.deepEqual(s.containerStatuses[0]?.lastTermination, termination);
});

test('podStatus reports Succeeded and Failed for pods that will not restart', () => {
  const ok = pod('job', { restartPolicy: 'Never' });
  const done = { status: 'exited', exitCode: 0, reason: 'Completed', startedAt: 1, finishedAt: 2 } as const;
  assert.equal(podStatus(ok, observedAs(ok, done), { records: undefined, images: imagesPresent, now: NOW }).phase, 'Succeeded');
  const failed = { status: 'exited', exitCode: 1, reason: 'Error', startedAt: 1, finishedAt: 2 } as const;
  const s = podStatus(ok, observedAs(ok, failed), { records: undefined, images: imagesPresent, now: NOW });
  assert.equal(s.phase, 'Failed');
  assert.deepEqual(s.containerStatuses[0]?.state.terminated, { exitCode: 1, reason: 'Error', startedAt: 1, finishedAt: 2 });
});
