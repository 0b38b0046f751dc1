import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ActiveRun, nextDeadline, onTick, overdue, pruneHistory, runName } from '../../../../agent/src/cron/decisions.js';
import type { RunRecord } from '../../../../protocol/src/index.js';

const active = (startedAt: number): ActiveRun => ({ run: `job-${startedAt}`, uid: `u-${startedAt}`, scheduledAt: startedAt, startedAt });
const record = (scheduledAt: number, status: RunRecord['status']): RunRecord => ({ job: 'job', jobUid: 'u', run: `job-${scheduledAt}`, scheduledAt, status });

test('onTick: Allow always starts; Forbid skips and Replace replaces while a run is going', () => {
  assert.equal(onTick('Allow', [active(1)]), 'start');
  assert.equal(onTick('Forbid', []), 'start');
  assert.equal(onTick('Forbid', [active(1)]), 'skip');
  assert.equal(onTick('Replace', [active(1)]), 'replace');
  assert.equal(onTick('Replace', []), 'start');
});

test('overdue and nextDeadline follow activeDeadlineSeconds from each run start', () => {
  const runs = [active(1000), active(5000)];
  assert.deepEqual(overdue(runs, 10, 10_999), []);
  assert.deepEqual(overdue(runs, 10, 11_000).map((r) => r.startedAt), [1000]);
  assert.equal(nextDeadline(runs, 10), 11_000);
  assert.equal(nextDeadline(runs, undefined), undefined);
  assert.deepEqual(overdue(runs, undefined, 1e12), []);
});

test('pruneHistory keeps the newest successful and the newest other records within their limits', () => {
  const history = [record(1, 'Succeeded'), record(2, 'Failed'), record(3, 'Succeeded'), record(4, 'Missed'), record(5, 'DeadlineExceeded'), record(6, 'Succeeded')];
  assert.deepEqual(pruneHistory(history, { succeeded: 2, failed: 1 }).map((r) => r.scheduledAt), [6, 5, 3]);
  assert.deepEqual(pruneHistory(history, { succeeded: 0, failed: 0 }), []);
});

test('runName is the job and the scheduled second; manual runs are marked', () => {
  assert.equal(runName('backup', 1_764_068_400_123), 'backup-1764068400');
  assert.equal(runName('backup', 1_764_068_400_123, true), 'backup-m1764068400');
});
