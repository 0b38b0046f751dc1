import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPodTable, podReady, podRestarts, podRow, podStatus } from '../../../cli/src/format/pods.js';
import { NOW, containerStatus, makePod } from './fixtures.js';

const waiting = (reason: string) => ({ state: { waiting: { reason } }, ready: false });
const terminated = (reason: string, exitCode = 1, signal?: number) => ({
  state: { terminated: { exitCode, reason, finishedAt: NOW - 1000, ...(signal === undefined ? {} : { signal }) } },
  ready: false,
});

describe('pod STATUS column', () => {
  it('podStatus is the phase when no container has a reason', () => {
    assert.equal(podStatus(makePod({ phase: 'Pending' })), 'Pending');
    assert.equal(podStatus(makePod({ phase: 'Running', statuses: [containerStatus('web')] })), 'Running');
  });

  it('podStatus shows a waiting reason: CrashLoopBackOff, ImagePullBackOff', () => {
    assert.equal(podStatus(makePod({ statuses: [containerStatus('web', waiting('CrashLoopBackOff'))] })), 'CrashLoopBackOff');
    assert.equal(podStatus(makePod({ phase: 'Pending', statuses: [containerStatus('web', waiting('ImagePullBackOff'))] })), 'ImagePullBackOff');
  });

  it('podStatus shows a terminated reason: OOMKilled, Completed, Error', () => {
    assert.equal(podStatus(makePod({ phase: 'Failed', statuses: [containerStatus('web', terminated('OOMKilled', 137))] })), 'OOMKilled');
    assert.equal(podStatus(makePod({ phase: 'Succeeded', statuses: [containerStatus('web', terminated('Completed', 0))] })), 'Completed');
    assert.equal(podStatus(makePod({ phase: 'Failed', statuses: [containerStatus('web', terminated('Error', 2))] })), 'Error');
  });

  it('podStatus names the signal or exit code of a termination without a reason', () => {
    assert.equal(podStatus(makePod({ phase: 'Failed', statuses: [containerStatus('web', terminated('', 137, 9))] })), 'Signal:9');
    assert.equal(podStatus(makePod({ phase: 'Failed', statuses: [containerStatus('web', terminated('', 3))] })), 'ExitCode:3');
  });

  it('podStatus lets the first container with a reason win, like kubectl', () => {
    const containers = [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }];
    const pod = makePod({ containers, statuses: [containerStatus('a', waiting('ImagePullBackOff')), containerStatus('b', waiting('CrashLoopBackOff'))] });
    assert.equal(podStatus(pod), 'ImagePullBackOff');
  });

  it('podStatus shows Running for Completed while another container still runs and is ready', () => {
    const containers = [{ name: 'job', image: 'x' }, { name: 'side', image: 'y' }];
    const pod = makePod({ containers, statuses: [containerStatus('job', terminated('Completed', 0)), containerStatus('side')] });
    assert.equal(podStatus(pod), 'Running');
  });
});

describe('pod table', () => {
  it('podReady counts ready containers against the spec, so unreported ones are not ready', () => {
    const containers = [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }];
    assert.equal(podReady(makePod({ containers, statuses: [containerStatus('a')] })), '1/2');
    assert.equal(podReady(makePod({ phase: 'Pending' })), '0/1');
  });

  it('podRestarts sums restarts and tells how long ago the last container stopped', () => {
    assert.equal(podRestarts(makePod({ statuses: [containerStatus('web')] }), NOW), '0');
    const lastTermination = { exitCode: 1, reason: 'Error', finishedAt: NOW - 45_000 };
    const pod = makePod({
      containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }],
      statuses: [containerStatus('a', { restartCount: 2, lastTermination }), containerStatus('b', { restartCount: 1, lastTermination: { ...lastTermination, finishedAt: NOW - 600_000 } })],
    });
    assert.equal(podRestarts(pod, NOW), '3 (45s ago)');
    assert.equal(podRestarts(makePod({ statuses: [containerStatus('web', { restartCount: 4 })] }), NOW), '4');
  });

  it('podRow gives NAME READY STATUS RESTARTS AGE NODE, and wide adds IP and IMAGES', () => {
    const pod = makePod({ statuses: [containerStatus('web', { restartCount: 1, lastTermination: { exitCode: 137, reason: 'OOMKilled', finishedAt: NOW - 30_000 } })], podIP: '10.88.0.7' });
    assert.deepEqual(podRow(pod, NOW), ['web', '1/1', 'Running', '1 (30s ago)', '5m', 'pi-kitchen']);
    assert.deepEqual(podRow(pod, NOW, true).slice(6), ['10.88.0.7', 'busybox:1.36']);
    const pending = makePod({ phase: 'Pending', containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:2' }] });
    assert.deepEqual(podRow(pending, NOW, true).slice(6), ['<none>', 'x:1,y:2']);
  });

  it('formatPodTable prints the header and one row per pod', () => {
    const table = formatPodTable([makePod({ statuses: [containerStatus('web', waiting('CrashLoopBackOff'))] })], NOW);
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+NODE\nweb\s+0\/1\s+CrashLoopBackOff\s+0\s+5m\s+pi-kitchen\n$/);
  });
});
