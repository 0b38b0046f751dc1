import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerHash, type PodRecords } from '../../../../agent/src/reconcile/model.js';
import { plan } from '../../../../agent/src/reconcile/plan.js';
import { IMAGE, imagesPresent, noImages, observedAs, pod, recordOf } from './fixtures.js';

const NOW = 10_000_000;
const none: PodRecords = new Map();
const kinds = (p: ReturnType<typeof plan>) => p.steps.map((s) => s.kind);

test('plan is empty when every desired container runs', () => {
  const p = pod('web');
  const result = plan({ desired: [p], observed: [observedAs(p, { status: 'running', startedAt: 1 })], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(result.steps, []);
  assert.equal(result.wakeAt, undefined);
});

test('plan pulls a missing image once for several pods and creates their sandboxes', () => {
  const result = plan({ desired: [pod('a'), pod('b')], observed: [], records: none, images: noImages, now: NOW });
  assert.deepEqual(kinds(result), ['pullImage', 'createSandbox', 'createSandbox']);
});

test('plan starts containers once the sandbox exists and the image is present', () => {
  const p = pod('web');
  const result = plan({ desired: [p], observed: [observedAs(p, undefined)], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(kinds(result), ['startContainer']);
});

test('plan does not start a container whose image is not there yet', () => {
  const p = pod('web');
  const result = plan({ desired: [p], observed: [observedAs(p, undefined)], records: none, images: noImages, now: NOW });
  assert.deepEqual(kinds(result), ['pullImage']);
});

test('plan waits out an image pull back-off and says when to wake up', () => {
  const p = pod('web');
  const images = { present: new Set<string>(), pullBackoff: new Map([[IMAGE, { notBefore: NOW + 5_000, message: 'manifest unknown' }]]) };
  const result = plan({ desired: [p], observed: [observedAs(p, undefined)], records: none, images, now: NOW });
  assert.deepEqual(result.steps, []);
  assert.equal(result.wakeAt, NOW + 5_000);
});

test('plan records an exit it has not seen before, and whether the policy restarts it', () => {
  const exited = { status: 'exited', exitCode: 1, reason: 'Error', startedAt: NOW - 2_000, finishedAt: NOW - 1_000 } as const;
  for (const [policy, willRestart] of [['Always', true], ['OnFailure', true], ['Never', false]] as const) {
    const p = pod('job', { restartPolicy: policy });
    const result = plan({ desired: [p], observed: [observedAs(p, exited)], records: none, images: imagesPresent, now: NOW });
    assert.deepEqual(result.steps, [{ kind: 'recordExit', podUid: p.uid, container: 'main', termination: { exitCode: 1, reason: 'Error', startedAt: NOW - 2_000, finishedAt: NOW - 1_000 }, willRestart }]);
  }
});

test('plan does not restart a successful container under OnFailure', () => {
  const p = pod('job', { restartPolicy: 'OnFailure' });
  const termination = { exitCode: 0, reason: 'Completed', startedAt: 1, finishedAt: 2 } as const;
  const records: PodRecords = new Map([[p.uid, { main: recordOf({ lastTermination: termination }) }]]);
  const result = plan({ desired: [p], observed: [observedAs(p, { status: 'exited', ...termination })], records, images: imagesPresent, now: NOW });
  assert.deepEqual(result.steps, []);
});

test('plan restarts a crashed container only after its back-off, replacing the old one', () => {
  const p = pod('web');
  const termination = { exitCode: 2, reason: 'Error', startedAt: NOW - 3_000, finishedAt: NOW - 2_000 } as const;
  const observed = [observedAs(p, { status: 'exited', ...termination })];
  const waiting: PodRecords = new Map([[p.uid, { main: recordOf({ lastTermination: termination, restart: { restarts: 0, crashes: 1, notBefore: NOW + 8_000 } }) }]]);
  const early = plan({ desired: [p], observed, records: waiting, images: imagesPresent, now: NOW });
  assert.deepEqual(early.steps, []);
  assert.equal(early.wakeAt, NOW + 8_000);
  const later = plan({ desired: [p], observed, records: waiting, images: imagesPresent, now: NOW + 8_000 });
  assert.deepEqual(kinds(later), ['removeContainer', 'startContainer']);
});

test('plan does not run again, after a reboot, a container that already ran to completion', () => {
  const p = pod('job', { restartPolicy: 'Never' });
  const records: PodRecords = new Map([[p.uid, { main: recordOf({ lastTermination: { exitCode: 0, reason: 'Completed', startedAt: 1, finishedAt: 2 } }) }]]);
  const result = plan({ desired: [p], observed: [observedAs(p, undefined)], records, images: imagesPresent, now: NOW });
  assert.deepEqual(result.steps, []);
});

test('plan restarts, after a reboot, containers of a restarting policy that were running', () => {
  const p = pod('web');
  const result = plan({ desired: [p], observed: [], records: new Map([[p.uid, { main: recordOf() }]]), images: imagesPresent, now: NOW });
  assert.deepEqual(kinds(result), ['createSandbox']);
});

test('plan replaces a container started but never running (agent stopped between create and start)', () => {
  const p = pod('web');
  const result = plan({ desired: [p], observed: [observedAs(p, { status: 'created' })], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(kinds(result), ['removeContainer']);
});

test('plan tears a deleted pod down in order: stop, then remove, sandbox and record', () => {
  const p = pod('old');
  const running = plan({ desired: [], observed: [observedAs(p, { status: 'running', startedAt: 1 })], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(running.steps, [{ kind: 'stopContainer', podUid: p.uid, container: 'main', id: 'old-main', reason: 'PodDeleted' }]);
  const stopped = plan({ desired: [], observed: [observedAs(p, { status: 'exited', exitCode: 143, reason: 'Killed', startedAt: 1, finishedAt: 2 })], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(kinds(stopped), ['removeContainer', 'removeSandbox', 'forgetPod']);
});

test('plan replaces a container whose spec changed and leaves its siblings alone', () => {
  const before = pod('web', { containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
  const after = pod('web', { containers: [{ name: 'a', image: IMAGE, env: [{ name: 'X', value: '1' }] }, { name: 'b', image: IMAGE }] });
  const observed = observedAs(before, { status: 'running', startedAt: 1 });
  assert.notEqual(containerHash(before.spec.containers[0]!), containerHash(after.spec.containers[0]!));
  const result = plan({ desired: [after], observed: [observed], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(result.steps, [{ kind: 'stopContainer', podUid: after.uid, container: 'a', id: 'web-a', reason: 'SpecChanged' }]);
});

test('plan recreates the whole pod when a pod-level setting changes', () => {
  const before = pod('web');
  const after = pod('web', { hostNetwork: true });
  const result = plan({ desired: [after], observed: [observedAs(before, { status: 'running', startedAt: 1 })], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(result.steps, [{ kind: 'stopContainer', podUid: before.uid, container: 'main', id: 'web-main', reason: 'SpecChanged' }]);
  const stopped = plan({ desired: [after], observed: [observedAs(before, { status: 'exited', exitCode: 0, reason: 'Killed', startedAt: 1, finishedAt: 2 })], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(kinds(stopped), ['removeContainer', 'removeSandbox']);
});

test('plan stops a suspended pod, then removes its containers without recording an exit, and keeps its sandbox', () => {
  const p = { ...pod('single'), suspended: true };
  const runningNow = plan({ desired: [p], observed: [observedAs(p, { status: 'running', startedAt: 1 })], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(runningNow.steps.map((s) => [s.kind, 'reason' in s ? s.reason : undefined]), [['stopContainer', 'Suspended']]);
  const stopped = plan({ desired: [p], observed: [observedAs(p, { status: 'exited', exitCode: 143, reason: 'Error', startedAt: 1, finishedAt: 2 })], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(kinds(stopped), ['removeContainer'], 'no recordExit: a fence is not a crash');
  const idle = plan({ desired: [p], observed: [observedAs(p, undefined)], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(kinds(idle), [], 'the sandbox stays and nothing starts');
});

test('plan starts a formerly suspended pod afresh in its kept sandbox', () => {
  const p = pod('single');
  const result = plan({ desired: [p], observed: [observedAs(p, undefined)], records: none, images: imagesPresent, now: NOW });
  assert.deepEqual(kinds(result), ['startContainer']);
});
