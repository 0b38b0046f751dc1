import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterExit, afterRestart, backoffDelayMs, freshRestartState } from '../../../../agent/src/reconcile/crash-loop.js';

test('crash-loop back-off waits 10 s after the first crash and doubles up to 5 min', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n) / 1000), [10, 20, 40, 80, 160, 300, 300, 300]);
  assert.equal(backoffDelayMs(0), 0);
  assert.equal(backoffDelayMs(10_000), 300_000);
});

test('crash-loop back-off grows with each quick crash, driven by an injected clock', () => {
  let state = freshRestartState;
  let now = 1_000_000;
  const waits: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    state = afterExit(state, { startedAt: now, finishedAt: now + 1_000 });
    waits.push((state.notBefore - (now + 1_000)) / 1000);
    now = state.notBefore;
    state = afterRestart(state);
  }
  assert.deepEqual(waits, [10, 20, 40, 80, 160, 300, 300]);
  assert.equal(state.restarts, 7);
});

test('crash-loop back-off resets after a run of 10 minutes', () => {
  let state = freshRestartState;
  for (let i = 0; i < 5; i += 1) state = afterRestart(afterExit(state, { startedAt: 0, finishedAt: 1_000 }));
  assert.equal(backoffDelayMs(state.crashes), 160_000);
  const after = afterExit(state, { startedAt: 0, finishedAt: 600_000 });
  assert.equal(after.crashes, 1);
  assert.equal(after.notBefore, 610_000);
  assert.equal(after.restarts, 5, 'restartCount is history, not back-off');
});
