import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type BackoffPolicy, backoffDelay, reconnectBackoff } from '../../../agent/src/backoff.js';

const policy: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };
/** Largest value Math.random can return. */
const ALMOST_ONE = 1 - Number.EPSILON / 2;

test('backoffDelay never exceeds min(max, base·2^attempt) and is never negative', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.double({ min: 0, max: ALMOST_ONE, noNaN: true }),
      (attempt, baseMs, maxMs, r) => {
        const delay = backoffDelay(attempt, { baseMs, maxMs }, () => r);
        assert.ok(Number.isInteger(delay), `delay ${delay}`);
        assert.ok(delay >= 0, `delay ${delay}`);
        assert.ok(delay <= Math.min(maxMs, baseMs * 2 ** attempt), `delay ${delay}`);
      },
    ),
    { numRuns: 500 },
  );
});

test('backoffDelay returns 0 when random returns 0', () => {
  for (const attempt of [0, 1, 5, 30, 1000]) assert.equal(backoffDelay(attempt, policy, () => 0), 0);
});

test('backoffDelay comes near the ceiling when random approaches 1', () => {
  assert.equal(backoffDelay(0, policy, () => 0.999), 499);
  assert.equal(backoffDelay(3, policy, () => 0.999), 3996);
  assert.equal(backoffDelay(0, policy, () => ALMOST_ONE), 499);
  assert.equal(backoffDelay(10, policy, () => ALMOST_ONE), 29_999);
});

test('backoffDelay doubles the ceiling with each attempt until maxMs', () => {
  const half = () => 0.5;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, policy, half)),
    [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000],
  );
});

test('backoffDelay caps huge attempt numbers at maxMs', () => {
  for (const attempt of [31, 64, 1024, 1e9, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY]) {
    const delay = backoffDelay(attempt, policy, () => 0.999);
    assert.equal(delay, 29_970, String(attempt));
    assert.ok(Number.isFinite(delay));
  }
});

test('backoffDelay uses the reconnect policy of 500 ms to 30 s', () => {
  assert.deepEqual(reconnectBackoff, { baseMs: 500, maxMs: 30_000 });
  assert.equal(backoffDelay(100, reconnectBackoff, () => 0.5), 15_000);
});
