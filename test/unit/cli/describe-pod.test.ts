import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePod } from '../../../cli/src/format/describe-pod.js';
import { NOW, containerStatus, makePod } from './fixtures.js';

describe('describe pod', () => {
  it('describePod shows the pod fields, then each container with state, last state, restarts and limits', () => {
    const text = describePod(
      makePod({
        podIP: '10.88.0.7',
        observedGeneration: 1,
        statuses: [
          containerStatus('web', {
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
            lastTermination: { exitCode: 137, reason: 'OOMKilled', finishedAt: NOW - 30_000 },
            ready: false,
          }),
        ],
      }),
      NOW,
    );
    const lines = text.split('\n');
    assert.match(text, /^Name: +web$/m);
    assert.match(text, /^Node: +pi-kitchen$/m);
    assert.match(text, /^Labels: +run=web$/m);
    assert.match(text, /^CreationTimestamp: +2024-06-01T11:55:00\.000Z \(5m ago\)$/m);
    assert.match(text, /^Status: +Running \(CrashLoopBackOff\)$/m);
    assert.match(text, /^IP: +10\.88\.0\.7$/m);
    assert.match(text, /^Generation: +1 \(applied by the node\)$/m);
    assert.ok(lines.includes('Containers:'));
    assert.ok(lines.includes('  web:'));
    assert.match(text, /^ {4}Image: +busybox:1\.36$/m);
    assert.match(text, /^ {4}Command: +sleep\n {4} +3600$/m);
    assert.match(text, /^ {4}Ports: +8080\/TCP \(host 18080\)$/m);
    assert.match(text, /^ {4}State: +Waiting\n {6}Reason: +CrashLoopBackOff\n {6}Message: +back-off 40s/m);
    assert.match(text, /^ {4}Last State: +Terminated\n {6}Reason: +OOMKilled\n {6}Exit Code: +137\n {6}Finished: +2024-06-01T11:59:30\.000Z$/m);
    assert.match(text, /^ {4}Ready: +False$/m);
    assert.match(text, /^ {4}Restart Count: +3$/m);
    assert.match(text, /^ {4}Limits:\n {6}cpu: +200m\n {6}memory: +32Mi\n {6}pids: +50$/m);
    assert.match(text, /^ {4}Requests:\n {6}cpu: +100m$/m);
    assert.match(text, /^ {4}Environment:\n {6}MODE: +edge$/m);
    assert.match(text, /^Volumes:\n {2}<none>\n$/m);
    assert.ok(text.endsWith('\n') && !lines.some((l) => l.endsWith(' ')));
  });

  it('describePod of a pod its node has not reported shows Pending, no IP and the generation not yet applied', () => {
    const text = describePod(makePod({ phase: 'Pending' }), NOW);
    assert.match(text, /^Status: +Pending$/m);
    assert.match(text, /^IP: +<none>$/m);
    assert.match(text, /^Generation: +1 \(not yet applied by the node\)$/m);
    assert.match(text, /^ {4}State: +Waiting$/m);
    assert.match(text, /^ {4}Restart Count: +0$/m);
  });
});
